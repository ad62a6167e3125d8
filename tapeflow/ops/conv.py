"""Convolution and pooling (NHWC): conv1d/2d, transposed and depthwise conv, pooling."""

API = {}
