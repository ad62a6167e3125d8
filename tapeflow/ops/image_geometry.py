"""placeholder"""

API = {}
