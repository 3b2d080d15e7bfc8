"""The names checkpoints give dtypes: PyTorch's dtype objects, its storage classes, safetensors codes.

A file written by PyTorch names ``torch.float32`` for a dtype and ``torch.FloatStorage`` for the
storage of a float32 tensor; safetensors files write ``F32``. ember maps each to its own dtype,
and names the dtypes PyTorch has and ember does not, so that a file holding one is refused with
a message that says which.
"""

from __future__ import annotations

from ember import dtypes

# ember dtype name -> PyTorch's legacy storage class
STORAGE_CLASS = {
    "float16": "HalfStorage", "float32": "FloatStorage", "float64": "DoubleStorage",
    "int8": "CharStorage", "int16": "ShortStorage", "int32": "IntStorage",
    "int64": "LongStorage", "uint8": "ByteStorage", "bool": "BoolStorage",
}
DTYPE_OF_STORAGE = {cls: getattr(dtypes, name) for name, cls in STORAGE_CLASS.items()}

# PyTorch's storage classes for dtypes ember does not have
MISSING_STORAGE_CLASS = {
    "BFloat16Storage": "bfloat16", "ComplexFloatStorage": "complex64", "ComplexDoubleStorage": "complex128",
    "QInt8Storage": "qint8", "QUInt8Storage": "quint8", "QInt32Storage": "qint32",
    "QUInt4x2Storage": "quint4x2", "QUInt2x4Storage": "quint2x4",
}

# PyTorch's dtypes that ember does not have (a file naming one is refused with the name)
MISSING_DTYPES = frozenset({
    "bfloat16", "complex32", "complex64", "complex128", "chalf", "cfloat", "cdouble",
    "uint16", "uint32", "uint64", "float8_e4m3fn", "float8_e4m3fnuz", "float8_e5m2", "float8_e5m2fnuz",
    "float8_e8m0fnu", "float4_e2m1fn_x2", "qint8", "quint8", "qint32", "quint4x2", "quint2x4",
    "bits1x8", "bits2x4", "bits4x2", "bits8", "bits16",
    *(f"int{n}" for n in range(1, 8)), *(f"uint{n}" for n in range(1, 8)),
})

# safetensors dtype code -> ember dtype
SAFETENSORS_DTYPE = {
    "F16": dtypes.float16, "F32": dtypes.float32, "F64": dtypes.float64, "I8": dtypes.int8,
    "I16": dtypes.int16, "I32": dtypes.int32, "I64": dtypes.int64, "U8": dtypes.uint8, "BOOL": dtypes.bool,
}
SAFETENSORS_CODE = {d.name: code for code, d in SAFETENSORS_DTYPE.items()}
# safetensors codes PyTorch reads and ember cannot, with PyTorch's dtype name
SAFETENSORS_MISSING = {
    "BF16": "bfloat16", "U16": "uint16", "U32": "uint32", "U64": "uint64", "C64": "complex64",
    "C128": "complex128", "F8_E4M3": "float8_e4m3fn", "F8_E5M2": "float8_e5m2", "F8_E8M0": "float8_e8m0fnu",
    "F4": "float4_e2m1fn_x2", "F6_E2M3": "float6_e2m3", "F6_E3M2": "float6_e3m2",
}


def missing_dtype_message(name: str) -> str:
    """Why a tensor of PyTorch dtype ``name`` cannot be loaded, in one sentence."""
    have = ", ".join(d.name for d in dtypes.ALL)
    return f"ember has no {name} dtype (it has {have}); convert the tensor in PyTorch first, e.g. with .float()"
