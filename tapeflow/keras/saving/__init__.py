"""`keras.saving`: weights files, .keras archives, object (de)serialization."""
