"""Writes tests/golden/strings.json: TensorFlow's answers for string tensors, tf.strings,
tf.ragged, tf.io.decode_csv and the file-based tf.data sources.

Run with a venv holding tensorflow-cpu (2.21) and pandas:
    TF_CPP_MIN_LOG_LEVEL=3 python tests/golden/make_strings.py

Each case is a Python expression over `tf`, `np`, `pd` and `F` (name -> path of the files
in FILES, written to a temporary directory); tests/test_strings_golden.py evaluates it with
tapeflow and compares values, dtypes, shapes, reprs and error types. The hash cases store
TF's bins for strings that the test draws again from the same seeded generator.
"""

import json
import os
import pathlib
import tempfile

import numpy as np

FILES = {
    "people.csv": (
        'name,age,score,flag\n"Smith, J",30,1.5,true\nDoe,,2.5,false\n"Q""uote",41,NA,true\n'
    ),
    "xy.csv": "x,y\n1,2\n3,4",
    "more_xy.csv": "x,y\n5,6\n7,8\n",
    "multiline.csv": 'id,text\n1,"two\nlines"\n2,plain\n',
    "semicolon.txt": "a;b\r\n1;2\r\n",
    "mixed.csv": "i,big,f,s\n1,3000000000,0.5,x\n2,4,1e40,7\n,5,,\n",
}

CASES = {
    # tf.io.decode_raw (the tensor guide's "Duck")
    "decode_raw_uint8": "tf.io.decode_raw(tf.constant('Duck'), tf.uint8)",
    "decode_raw_int16": (
        "tf.io.decode_raw(tf.constant([b'\\x01\\x00\\x00\\x02', b'\\xff\\xff\\xff\\xff']),"
        " tf.int16)"
    ),
    "decode_raw_big_endian": (
        "tf.io.decode_raw(tf.constant([[b'\\x01\\x00\\x00\\x02']]), tf.int16, little_endian=False)"
    ),
    "decode_raw_float32": "tf.io.decode_raw(tf.constant([[b'abcd', b'efgh']]), tf.float32)",
    "decode_raw_fixed_length": (
        "tf.io.decode_raw(tf.constant([b'abc', b'd', b'efghij']), tf.uint8, fixed_length=4)"
    ),
    "decode_raw_sizes_differ": "tf.io.decode_raw(tf.constant([b'abc', b'ab']), tf.uint8)",
    "decode_raw_not_multiple": "tf.io.decode_raw(tf.constant(b'abc'), tf.int16)",
    "decode_raw_fixed_not_multiple": (
        "tf.io.decode_raw(tf.constant([b'abc']), tf.int16, fixed_length=3)"
    ),
    # tensors
    "scalar": "tf.constant('Gray wolf')",
    "vector": "tf.constant(['a', 'bb', ''])",
    "matrix": "tf.constant([['a', 'bb'], ['c', 'd']])",
    "unicode": "tf.constant(['é', 'ü', '中'])",
    "numpy_unicode": "tf.constant(np.array(['x', 'yz']))",
    "numpy_bytes": "tf.constant(np.array([b'x', b'yz']))",
    "numpy_object": "tf.constant(np.array(['x', b'yz'], dtype=object))",
    "bytes_mixed": "tf.constant(['a', b'b'])",
    "long_vector": "tf.constant(['w'] * 1001)",
    "quotes": "tf.constant(['x\\ny', \"it's\", 'q\"'])",
    "broadcast_shape": "tf.constant('a', shape=[2, 3])",
    "empty_object": "tf.constant(np.array([], dtype=object))",
    "mixed_types": "tf.constant(['a', 1])",
    "object_with_int": "tf.constant(np.array(['a', 1], dtype=object))",
    "non_rectangular": "tf.constant([['a'], ['b', 'c']])",
    "int_as_string": "tf.constant(1, dtype=tf.string)",
    "string_as_float": "tf.constant('a', dtype=tf.float32)",
    "add": "tf.constant(['a', 'b']) + 'c'",
    "radd": "'x' + tf.constant('a')",
    "sub": "tf.constant('a') - tf.constant('b')",
    "mul_int": "tf.constant('a') * 2",
    "neg": "-tf.constant('a')",
    "less": "tf.constant('a') < tf.constant('b')",
    "eq": "tf.constant(['a', 'b']) == 'a'",
    "ne": "tf.constant(['a', 'b']) != 'a'",
    "equal": "tf.equal(tf.constant(['a', 'b']), ['a', 'c'])",
    "equal_number": "tf.equal(tf.constant(['a', 'b']), 1)",
    "cast_float": "tf.cast(tf.constant('1'), tf.float32)",
    "cast_double": "tf.cast(tf.constant('1'), tf.float64)",
    "cast_int": "tf.cast(tf.constant(['1']), tf.int64)",
    "cast_to_string": "tf.cast(tf.constant(1), tf.string)",
    "cast_same": "tf.cast(tf.constant('1'), tf.string)",
    "index": "tf.constant(['a', 'b', 'c'])[1]",
    "slice": "tf.constant(['a', 'b', 'c'])[1:]",
    "column": "tf.constant([['a', 'b'], ['c', 'd']])[:, 0]",
    "shape": "tf.shape(tf.constant([['a', 'b', 'c']]))",
    "size": "tf.size(tf.constant(['a', 'b', 'c']))",
    "reshape": "tf.reshape(tf.constant(['a', 'b', 'c', 'd']), [2, 2])",
    "concat": "tf.concat([tf.constant(['a']), tf.constant(['b', 'c'])], 0)",
    "stack": "tf.stack([tf.constant('a'), tf.constant('b')])",
    "unstack": "tf.unstack(tf.constant(['a', 'b']))",
    "gather": "tf.gather(tf.constant(['a', 'b', 'c']), [2, 0])",
    "gather_scalar": "tf.gather(tf.constant(['a', 'b', 'c']), 1)",
    "gather_nd": "tf.gather_nd(tf.constant([['a', 'b'], ['c', 'd']]), [[1, 0]])",
    "where": "tf.where([True, False], tf.constant(['a', 'b']), tf.constant(['x', 'y']))",
    "where_python": "tf.where([True, False], 'a', 'x')",
    "where_condition": "tf.where(tf.constant(['a', 'b']))",
    "tile": "tf.tile(tf.constant(['a', 'b']), [2])",
    "expand_dims": "tf.expand_dims(tf.constant(['a', 'b']), 0)",
    "transpose": "tf.transpose(tf.constant([['a', 'b']]))",
    "reverse": "tf.reverse(tf.constant(['a', 'b']), [0])",
    "boolean_mask": "tf.boolean_mask(tf.constant(['a', 'b']), [True, False])",
    "zeros_like": "tf.zeros_like(tf.constant(['a', 'b']))",
    "ones_like": "tf.ones_like(tf.constant(['a', 'b']))",
    "zeros": "tf.zeros([2], tf.string)",
    "fill": "tf.fill([2], 'a')",
    "pad": "tf.pad(tf.constant(['a', 'b']), [[1, 1]])",
    "pad_value": "tf.pad(tf.constant(['a', 'b']), [[1, 0]], constant_values='z')",
    "reduce_sum": "tf.reduce_sum(tf.constant(['b', 'a']))",
    "reduce_max": "tf.reduce_max(tf.constant(['b', 'a']))",
    "argsort": "tf.argsort(tf.constant(['b', 'a']))",
    "abs": "tf.math.abs(tf.constant(['b', 'a']))",
    "broadcast_to": "tf.broadcast_to(tf.constant('a'), [2])",
    "split_tensor": "tf.split(tf.constant(['a', 'b']), 2)",
    # tf.strings
    "split_scalar": "tf.strings.split('a b  c')",
    "split_vector": "tf.strings.split(['a b', 'c'])",
    "split_uniform": "tf.strings.split(['a b', 'c d'])",
    "split_matrix": "tf.strings.split([['a b'], ['c']])",
    "split_sep": "tf.strings.split('a,b,,c', ',')",
    "split_maxsplit": "tf.strings.split('a,b,,c', sep=',', maxsplit=1)",
    "split_ws_maxsplit": "tf.strings.split('  a  b ', maxsplit=1)",
    "split_multichar": "tf.strings.split('a<>b<>c', '<>')",
    "split_empty_sep": "tf.strings.split('abc', '')",
    "split_empty": "tf.strings.split(['a b', ''])",
    "split_empty_scalar_sep": "tf.strings.split('', ',')",
    "bytes_split": "tf.strings.bytes_split(['ab', 'c'])",
    "bytes_split_utf8": "tf.strings.bytes_split('é')",
    "join": "tf.strings.join(['a', 'b'])",
    "join_broadcast": "tf.strings.join([['a', 'b'], 'c'], separator='-')",
    "reduce_join": "tf.strings.reduce_join(['a', 'b', 'c'])",
    "reduce_join_axis": "tf.strings.reduce_join([['a', 'b'], ['c', 'd']], axis=1, separator=',')",
    "reduce_join_keepdims": "tf.strings.reduce_join([['a', 'b'], ['c', 'd']], 0, keepdims=True)",
    "reduce_join_neg": "tf.strings.reduce_join([['a', 'b'], ['c', 'd']], axis=-1)",
    "length": "tf.strings.length(['abc', 'é', ''])",
    "length_chars": "tf.strings.length(['abc', 'é', '', b'\\xff\\xc3'], unit='UTF8_CHAR')",
    "length_bad_unit": "tf.strings.length('x', unit='bad')",
    "length_ragged": "tf.strings.length(tf.ragged.constant([['ab'], ['c', 'ddd']]))",
    "lower": "tf.strings.lower(['ABC', 'ÉA'])",
    "lower_utf8": "tf.strings.lower(['ABC', 'ÉA'], encoding='utf-8')",
    "upper": "tf.strings.upper(['abc', 'éa'])",
    "upper_utf8": "tf.strings.upper(['abc', 'éa'], encoding='utf-8')",
    "lower_ragged": "tf.strings.lower(tf.ragged.constant([['AB'], ['C', 'D']]))",
    "strip": "tf.strings.strip(['  a b \\n', '\\t', 'x', '\\x0b y \\x0c'])",
    "regex_replace": "tf.strings.regex_replace('aaa bbb', 'a+', 'X')",
    "regex_replace_once": "tf.strings.regex_replace('aaa bbb', 'a', 'X', replace_global=False)",
    "regex_replace_group": "tf.strings.regex_replace(['abc', 'xbz'], '(b)', '[\\\\1]')",
    "regex_replace_whole": "tf.strings.regex_replace('abc', 'b', '<\\\\0>')",
    "regex_replace_classes": "tf.strings.regex_replace('a1 b22\\tc', '\\\\d+|\\\\s', '_')",
    "regex_replace_punct": "tf.strings.regex_replace(['Hello, World!'], '[[:punct:]]', '')",
    "regex_replace_bad": "tf.strings.regex_replace('abc', '(', 'x')",
    "regex_full_match": "tf.strings.regex_full_match(['abc', 'ab'], 'a.c')",
    "regex_full_match_alt": "tf.strings.regex_full_match(['abc', 'xabc'], 'abc|b')",
    "regex_full_match_case": "tf.strings.regex_full_match(['ABC', 'abc'], '(?i)abc')",
    "substr": "tf.strings.substr('hello', 1, 3)",
    "substr_vectors": "tf.strings.substr(['hello', 'hi'], [1, 0], [2, 5])",
    "substr_negative": "tf.strings.substr('hello', -3, 2)",
    "substr_end": "tf.strings.substr('hello', 5, 2)",
    "substr_out_of_range": "tf.strings.substr('hello', 7, 2)",
    "substr_utf8": "tf.strings.substr('héllo', 1, 2, unit='UTF8_CHAR')",
    "substr_broadcast": "tf.strings.substr(['hello', 'abcdef'], 1, 2)",
    "to_number": "tf.strings.to_number(['1.5', '2', '-3e2', ' 1', '1 ', '+4'])",
    "to_number_int": "tf.strings.to_number(['1', '-2', ' 3'], out_type=tf.int32)",
    "to_number_int64": "tf.strings.to_number(['9000000000'], out_type=tf.int64)",
    "to_number_special": "tf.strings.to_number(['nan', 'inf', '-inf', '0x10', '1e400'])",
    "to_number_double": "tf.strings.to_number(['0.1', '1e-320'], out_type=tf.float64)",
    "to_number_float_as_int": "tf.strings.to_number(['1.5'], out_type=tf.int32)",
    "to_number_bad": "tf.strings.to_number(['x'])",
    "to_number_empty": "tf.strings.to_number([''])",
    "to_number_hex_int": "tf.strings.to_number(['0x10'], out_type=tf.int64)",
    "to_number_overflow": "tf.strings.to_number(['99999999999'], out_type=tf.int32)",
    "to_number_underscore": "tf.strings.to_number(['1_000'])",
    "as_string_int": "tf.strings.as_string([1, -2])",
    "as_string_float": "tf.strings.as_string([1.5, 2.0, 1e10, 1e-5])",
    "as_string_precision": "tf.strings.as_string(3.14159, precision=2)",
    "as_string_scientific": "tf.strings.as_string([1234.5], scientific=True)",
    "as_string_shortest": "tf.strings.as_string([1.0, 0.1, 1e20], shortest=True)",
    "as_string_bool": "tf.strings.as_string([True, False])",
    "as_string_fill": "tf.strings.as_string([5, 123456], width=4, fill='0')",
    "as_string_width": "tf.strings.as_string([5], width=4)",
    "as_string_double": "tf.strings.as_string(tf.constant([0.1], tf.float64))",
    "as_string_float32": "tf.strings.as_string(tf.constant([0.1], tf.float32), shortest=True)",
    "as_string_int64": "tf.strings.as_string(tf.constant([2**40], tf.int64))",
    "as_string_string": "tf.strings.as_string(['a'])",
    "format_scalars": "tf.strings.format('x={} y={}', (1, 'a'))",
    "format_vector": "tf.strings.format('x={}', tf.constant([1.5, 2.0]))",
    "format_strings": "tf.strings.format('x={}', tf.constant(['a', 'b']))",
    "format_summarize": "tf.strings.format('{}', tf.range(20))",
    "format_all": "tf.strings.format('{}', tf.range(20), summarize=-1)",
    "format_matrix": "tf.strings.format('{}', tf.reshape(tf.range(12), [3, 4]))",
    "format_floats": "tf.strings.format('{}', tf.constant([0.1, 1 / 3], tf.float32))",
    "format_doubles": "tf.strings.format('{}', tf.constant([0.1, 1 / 3], tf.float64))",
    "format_bool": "tf.strings.format('{} {}', (tf.constant('a'), tf.constant([True, False])))",
    "format_placeholder": "tf.strings.format('a%sb', tf.constant(1), placeholder='%s')",
    "format_count": "tf.strings.format('{} {}', [1])",
    "hash_fast": "tf.strings.to_hash_bucket_fast(['a', 'b', 'hello', ''], 10)",
    "hash_strong": "tf.strings.to_hash_bucket_strong(['a', 'b', 'hello'], 10, key=[1, 2])",
    "hash_legacy": "tf.strings.to_hash_bucket(['a', 'b', 'hello'], 10)",
    "unicode_decode": "tf.strings.unicode_decode('héllo', 'UTF-8')",
    "unicode_decode_vector": "tf.strings.unicode_decode(['hé', 'x'], 'UTF-8')",
    "unicode_decode_invalid": "tf.strings.unicode_decode(b'\\xff', 'UTF-8')",
    "unicode_decode_replace": "tf.strings.unicode_decode(b'\\xffa', 'UTF-8', errors='replace')",
    "unicode_decode_char": (
        "tf.strings.unicode_decode(b'\\xffa\\xe2\\x82', 'UTF-8', replacement_char=63)"
    ),
    "unicode_decode_ignore": "tf.strings.unicode_decode(b'\\xffa', 'UTF-8', errors='ignore')",
    "unicode_decode_strict": "tf.strings.unicode_decode(b'\\xffa', 'UTF-8', errors='strict')",
    "unicode_decode_control": (
        "tf.strings.unicode_decode('a\\x01b', 'UTF-8', replace_control_characters=True)"
    ),
    "unicode_encode": "tf.strings.unicode_encode([104, 233], 'UTF-8')",
    "unicode_encode_ragged": (
        "tf.strings.unicode_encode(tf.ragged.constant([[104, 233], [120]]), 'UTF-8')"
    ),
    "unicode_encode_matrix": "tf.strings.unicode_encode([[104, 233], [120, 121]], 'UTF-8')",
    "unicode_encode_invalid": "tf.strings.unicode_encode([104, 1114112, 55296], 'UTF-8')",
    "unicode_split": "tf.strings.unicode_split('héllo', 'UTF-8')",
    "unicode_split_vector": "tf.strings.unicode_split(['hé', 'x'], 'UTF-8')",
    "unicode_split_invalid": "tf.strings.unicode_split(b'\\xffa', 'UTF-8')",
    "ngrams": "tf.strings.ngrams(['a', 'b', 'c'], 2)",
    "ngrams_ragged": "tf.strings.ngrams(tf.ragged.constant([['a', 'b', 'c'], ['d']]), 2)",
    "ngrams_widths": "tf.strings.ngrams(['a', 'b', 'c'], (1, 2), separator='_')",
    "ngrams_short": "tf.strings.ngrams(['a', 'b'], 3)",
    "ngrams_pad": "tf.strings.ngrams(['a', 'b'], 3, pad_values=('<', '>'))",
    "ngrams_pad_width": "tf.strings.ngrams(['a', 'b', 'c'], 3, pad_values='#', padding_width=1)",
    "ngrams_preserve": (
        "tf.strings.ngrams(tf.ragged.constant([['a', 'b'], ['c', 'd', 'e'], []]), 3, "
        "preserve_short_sequences=True)"
    ),
    # ragged
    "ragged_constant": "tf.ragged.constant([[1, 2], [3]])",
    "ragged_floats": "tf.ragged.constant([[1.5], [], [2.5, 3.5]])",
    "ragged_nested": "tf.ragged.constant([[[1, 2], [3]], [[4]]])",
    "ragged_inner_uniform": "tf.ragged.constant([[[1, 2]], [[3, 4], [5, 6]]], ragged_rank=1)",
    "ragged_strings": "tf.ragged.constant([['a', 'b'], ['c']])",
    "ragged_flat": "tf.ragged.constant([1, 2])",
    "ragged_empty_rows": "tf.ragged.constant([[], [1]])",
    "ragged_shape": "tf.ragged.constant([[1, 2], [3]]).shape",
    "ragged_nested_shape": "tf.ragged.constant([[[1, 2], [3]], [[4]]]).shape",
    "ragged_to_tensor": "tf.ragged.constant([[1, 2], [3]]).to_tensor()",
    "ragged_to_tensor_default": "tf.ragged.constant([[1, 2], [3]]).to_tensor(default_value=-1)",
    "ragged_to_tensor_shape": "tf.ragged.constant([[1, 2, 3], [4]]).to_tensor(shape=[3, 2])",
    "ragged_to_tensor_strings": "tf.strings.split(['a b', 'c']).to_tensor()",
    "ragged_to_tensor_nested": "tf.ragged.constant([[[1, 2], [3]], [[4]]]).to_tensor()",
    "ragged_to_list": "tf.strings.split(['a b', 'c']).to_list()",
    "ragged_row_lengths": "tf.ragged.constant([[1, 2], [], [3]]).row_lengths()",
    "ragged_row_splits": "tf.ragged.constant([[1, 2], [], [3]]).row_splits",
    "ragged_values": "tf.ragged.constant([[1, 2], [], [3]]).values",
    "ragged_value_rowids": "tf.ragged.constant([[1, 2], [], [3]]).value_rowids()",
    "ragged_nrows": "tf.ragged.constant([[1, 2], [], [3]]).nrows()",
    "ragged_row": "tf.ragged.constant([[1, 2], [], [3]])[0]",
    "ragged_row_negative": "tf.ragged.constant([[1, 2], [], [3]])[-1]",
    "ragged_rows": "tf.ragged.constant([[1, 2], [], [3]])[1:]",
    "ragged_element": "tf.ragged.constant([[1, 2], [], [3]])[0, 1]",
    "ragged_numpy": "tf.ragged.constant([[1, 2], [3]]).numpy()",
    "ragged_numpy_uniform": "tf.ragged.constant([[1, 2], [3, 4]]).numpy()",
    "from_row_lengths": "tf.RaggedTensor.from_row_lengths([1, 2, 3, 4], [2, 0, 2])",
    "from_row_splits": "tf.RaggedTensor.from_row_splits(['a', 'b', 'c'], [0, 1, 3])",
    "from_value_rowids": "tf.RaggedTensor.from_value_rowids([1, 2, 3], [0, 0, 2], nrows=4)",
    "from_row_splits_bad": "tf.RaggedTensor.from_row_splits([1, 2], [0, 3])",
    "from_tensor": "tf.RaggedTensor.from_tensor([[1, 2, 0], [3, 0, 0]], padding=0)",
    "from_tensor_lengths": "tf.RaggedTensor.from_tensor([[1, 2, 0], [3, 0, 0]], lengths=[1, 2])",
    "bounding_shape": "tf.ragged.constant([[1, 2], [], [3]]).bounding_shape()",
    "segment_ids_to_row_splits": "tf.ragged.segment_ids_to_row_splits([0, 0, 2])",
    "row_splits_to_segment_ids": "tf.ragged.row_splits_to_segment_ids([0, 2, 2, 3])",
    # tf.io
    "decode_csv_scalar": "tf.io.decode_csv('1,2.5,a', [[0], [0.0], ['']])",
    "decode_csv_defaults": "tf.io.decode_csv(['1,2.5,a', '3,,b'], [[0], [9.0], ['z']])",
    "decode_csv_required": "tf.io.decode_csv(['1,2.5,a', '3,,b'], [[0], [], ['z']])",
    "decode_csv_too_many": "tf.io.decode_csv(['1,2,3'], [[0], [0]])",
    "decode_csv_quoted": "tf.io.decode_csv(['\"a,b\",c', '\"a\"\"b\",\"\"'], [[''], ['']])",
    "decode_csv_bad_quote": "tf.io.decode_csv(['\"a\"b,c'], [[''], ['']])",
    "decode_csv_inner_quote": "tf.io.decode_csv(['a\"b,c'], [[''], ['']])",
    "decode_csv_no_quotes": "tf.io.decode_csv(['a\"b,c'], [[''], ['']], use_quote_delim=False)",
    "decode_csv_delim": "tf.io.decode_csv(['1;2'], [[0], [0]], field_delim=';')",
    "decode_csv_na": "tf.io.decode_csv(['NA,2'], [[7], [0]], na_value='NA')",
    "decode_csv_not_int": "tf.io.decode_csv(['1.5,2'], [[0], [0]])",
    "decode_csv_spaces": "tf.io.decode_csv([' 1 , 2.5 ,  s '], [[0], [0.0], ['']])",
    "decode_csv_select": "tf.io.decode_csv(['1,2,3'], [[0], [0]], select_cols=[0, 2])",
    "decode_csv_select_count": "tf.io.decode_csv(['1,2'], [[0], [0]], select_cols=[1])",
    "decode_csv_typed": (
        "tf.io.decode_csv(['1,2'], [tf.constant([0], tf.int64), tf.constant([], tf.float64)])"
    ),
    "decode_csv_matrix": "tf.io.decode_csv([['1,2'], ['3,4']], [[0], [0]])",
    "decode_csv_trailing": "tf.io.decode_csv(['1,'], [[0], [5]])",
    "read_file": "tf.io.read_file(F['xy.csv'])",
    "read_file_missing": "tf.io.read_file(F['xy.csv'] + '.missing')",
}

DATASETS = {
    "text_lines": "tf.data.TextLineDataset([F['people.csv'], F['xy.csv']])",
    "text_lines_skip": "tf.data.TextLineDataset(F['xy.csv']).skip(1)",
    "text_lines_crlf": "tf.data.TextLineDataset(F['semicolon.txt'])",
    "text_lines_parallel": (
        "tf.data.TextLineDataset([F['xy.csv'], F['more_xy.csv']], num_parallel_reads=2)"
    ),
    "text_lines_gzip": "tf.data.TextLineDataset(F['xy.csv.gz'], compression_type='GZIP')",
    "csv_defaults": (
        "tf.data.experimental.CsvDataset(F['people.csv'], [[''], [0], [0.0], ['']], "
        "header=True, na_value='NA')"
    ),
    "csv_select": (
        "tf.data.experimental.CsvDataset(F['people.csv'], [[''], [-1], [-1.0]], header=True, "
        "na_value='NA', select_cols=[0, 1, 2])"
    ),
    "csv_types": "tf.data.experimental.CsvDataset(F['xy.csv'], [tf.int32, tf.int64], header=True)",
    "csv_multiline": (
        "tf.data.experimental.CsvDataset(F['multiline.csv'], [tf.int32, tf.string], header=True)"
    ),
    "csv_delim": (
        "tf.data.experimental.CsvDataset(F['semicolon.txt'], [tf.int32, [0]], header=True, "
        "field_delim=';')"
    ),
    "make_csv": (
        "tf.data.experimental.make_csv_dataset(F['people.csv'], batch_size=2, num_epochs=1, "
        "shuffle=False, na_value='NA')"
    ),
    "make_csv_label": (
        "tf.data.experimental.make_csv_dataset(F['people.csv'], batch_size=2, num_epochs=1, "
        "shuffle=False, na_value='NA', label_name='flag')"
    ),
    "make_csv_select": (
        "tf.data.experimental.make_csv_dataset(F['people.csv'], batch_size=3, num_epochs=1, "
        "shuffle=False, na_value='NA', select_columns=['age', 'name'])"
    ),
    "make_csv_inference": (
        "tf.data.experimental.make_csv_dataset(F['mixed.csv'], batch_size=3, num_epochs=1, "
        "shuffle=False)"
    ),
    "make_csv_names": (
        "tf.data.experimental.make_csv_dataset(F['xy.csv'], batch_size=2, num_epochs=1, "
        "column_names=['p', 'q'], header=True, column_defaults=[tf.float32, 0], shuffle=False)"
    ),
    "make_csv_epochs": (
        "tf.data.experimental.make_csv_dataset([F['xy.csv'], F['more_xy.csv']], batch_size=3, "
        "num_epochs=2, shuffle=False)"
    ),
    "list_files": "tf.data.Dataset.list_files(F['dir'] + '/*y.csv', shuffle=False)",
    "slices_strings": "tf.data.Dataset.from_tensor_slices(['a', 'bb', 'c']).batch(2)",
    "slices_dataframe": (
        "tf.data.Dataset.from_tensor_slices(dict(pd.DataFrame({'age': [1, 2, 3], "
        "'sex': ['M', 'F', 'M'], 'w': [1.5, 2.5, 3.5], 'ok': [True, False, True]}))).batch(2)"
    ),
    "padded_batch_strings": (
        "tf.data.Dataset.from_tensor_slices(['a b', 'c']).map(lambda s: tf.strings.split(s))"
        ".padded_batch(2)"
    ),
    "map_strings": (
        "tf.data.Dataset.from_tensor_slices(['Ab', 'cD']).map(lambda s: "
        "(tf.strings.lower(s), tf.strings.length(s)))"
    ),
    "generator_strings": (
        "tf.data.Dataset.from_generator(lambda: iter(['a', b'b']), "
        "output_signature=tf.TensorSpec([], tf.string))"
    ),
}

# Strings whose hash bins the test checks: every length 0..299 (every farmhash code path).
HASH_SEED = 7
HASH_BUCKETS = 2**62


def hash_strings():
    rng = np.random.default_rng(HASH_SEED)
    return [bytes(rng.integers(0, 256, n, dtype=np.uint8)) for n in range(300)]


def write_files(directory):
    import gzip

    paths = {"dir": directory}
    for name, text in FILES.items():
        path = os.path.join(directory, name)
        with open(path, "w", newline="") as f:
            f.write(text)
        paths[name] = path
    with gzip.open(os.path.join(directory, "xy.csv.gz"), "wb") as f:
        f.write(FILES["xy.csv"].encode())
    paths["xy.csv.gz"] = os.path.join(directory, "xy.csv.gz")
    return paths


def encode_value(v):
    """JSON for a nested list of values (bytes as {"b": latin-1 text})."""
    if isinstance(v, (list, tuple)):
        return [encode_value(x) for x in v]
    if isinstance(v, bytes):
        return {"b": v.decode("latin-1")}
    if isinstance(v, float) and v != v:
        return "nan"
    if isinstance(v, float) and v in (float("inf"), float("-inf")):
        return str(v)
    return v


def encode(x, tf):
    """A result (tensor, ragged, shape, list, array) as JSON, the same way in both libs."""
    if isinstance(x, tf.RaggedTensor):
        return {
            "ragged": encode_value(x.to_list()),
            "dtype": x.dtype.name,
            "shape": str(x.shape),
            "repr": repr(x),
        }
    if isinstance(x, tf.TensorShape):
        return {"tensor_shape": str(x)}
    if isinstance(x, dict):
        return {"dict": {str(k): encode(x[k], tf) for k in x}, "keys": [str(k) for k in x]}
    if isinstance(x, (list, tuple)):
        return {"list": [encode(v, tf) for v in x]}
    if isinstance(x, np.ndarray):
        return {"ndarray": repr(x)}
    if isinstance(x, (bytes, int, float, str)):
        return {"py": encode_value(x)}
    a = x.numpy()
    return {
        "v": encode_value(np.asarray(a).tolist()),
        "dtype": x.dtype.name,
        "shape": list(np.shape(a)),
        "repr": repr(x),
        "str": str(x),
    }


def evaluate(expr, tf, env):
    try:
        return encode(eval(expr, env), tf)
    except Exception as e:  # noqa: BLE001 - the error type is the expected answer
        return {"error": type(e).__name__}


def evaluate_dataset(expr, tf, env):
    ds = eval(expr, env)
    return {
        "elements": [encode(e, tf) for e in ds],
        "spec": repr(ds.element_spec),
        "cardinality": int(ds.cardinality()),
    }


def main():
    import pandas as pd
    import tensorflow as tf

    out = {"cases": {}, "datasets": {}}
    with tempfile.TemporaryDirectory() as d:
        env = {"tf": tf, "np": np, "pd": pd, "F": write_files(d)}
        for name, expr in CASES.items():
            out["cases"][name] = {"expr": expr, **evaluate(expr, tf, env)}
        for name, expr in DATASETS.items():
            result = evaluate_dataset(expr, tf, env)
            out["datasets"][name] = {
                "expr": expr,
                **json.loads(json.dumps(result).replace(d, "{dir}")),
            }
    strings = tf.constant(hash_strings())
    out["hashes"] = {
        "fast": tf.strings.to_hash_bucket_fast(strings, HASH_BUCKETS).numpy().tolist(),
        "strong": tf.strings.to_hash_bucket_strong(strings, HASH_BUCKETS, [7, 2**62 + 5])
        .numpy()
        .tolist(),
        "legacy": tf.strings.to_hash_bucket(strings, HASH_BUCKETS).numpy().tolist(),
    }
    target = pathlib.Path(__file__).with_name("strings.json")
    target.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {target}")


if __name__ == "__main__":
    main()
