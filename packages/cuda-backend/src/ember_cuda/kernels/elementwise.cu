// Elementwise unary, binary and ternary kernels with broadcasting over arbitrary strides.
//
// Every kernel walks the n elements of the output shape. `meta` holds int64 arrays of ndim
// entries each: the output shape, then the strides (in elements) of the output and of each
// input in order, all over the output shape (a broadcast dimension has stride 0).
#include "ember_cuda.cuh"

#define STRIDES(k) (meta + (i64)ndim * (1 + (k)))

#define EMBER_UNARY(name, expr)                                                                        \
    extern "C" __global__ void unary_##name(i64 n, const scalar_t* x, scalar_t* out, int ndim,       \
                                            const i64* meta) {                                        \
        EMBER_FOR(i, n) {                                                                              \
            acc_t v = cvt<acc_t>(x[ember_offset(i, ndim, meta, STRIDES(1))]);                          \
            out[ember_offset(i, ndim, meta, STRIDES(0))] = cvt<scalar_t>((acc_t)(expr));               \
        }                                                                                              \
    }

#define EMBER_PREDICATE(name, expr)                                                                    \
    extern "C" __global__ void unary_##name(i64 n, const scalar_t* x, bool* out, int ndim,           \
                                            const i64* meta) {                                        \
        EMBER_FOR(i, n) {                                                                              \
            acc_t v = cvt<acc_t>(x[ember_offset(i, ndim, meta, STRIDES(1))]);                          \
            out[ember_offset(i, ndim, meta, STRIDES(0))] = (expr);                                     \
        }                                                                                              \
    }

#define EMBER_BINARY(name, expr)                                                                       \
    extern "C" __global__ void binary_##name(i64 n, const scalar_t* x, const scalar_t* y, scalar_t* out, \
                                             int ndim, const i64* meta) {                              \
        EMBER_FOR(i, n) {                                                                              \
            acc_t a = cvt<acc_t>(x[ember_offset(i, ndim, meta, STRIDES(1))]);                          \
            acc_t b = cvt<acc_t>(y[ember_offset(i, ndim, meta, STRIDES(2))]);                          \
            out[ember_offset(i, ndim, meta, STRIDES(0))] = cvt<scalar_t>((acc_t)(expr));               \
        }                                                                                              \
    }                                                                                                  \
    extern "C" __global__ void binary_##name##_scalar(i64 n, const scalar_t* x, acc_t b, scalar_t* out, \
                                                      int ndim, const i64* meta) {                     \
        EMBER_FOR(i, n) {                                                                              \
            acc_t a = cvt<acc_t>(x[ember_offset(i, ndim, meta, STRIDES(1))]);                          \
            out[ember_offset(i, ndim, meta, STRIDES(0))] = cvt<scalar_t>((acc_t)(expr));               \
        }                                                                                              \
    }

#define EMBER_COMPARE(name, expr)                                                                      \
    extern "C" __global__ void compare_##name(i64 n, const scalar_t* x, const scalar_t* y, bool* out, \
                                              int ndim, const i64* meta) {                             \
        EMBER_FOR(i, n) {                                                                              \
            acc_t a = cvt<acc_t>(x[ember_offset(i, ndim, meta, STRIDES(1))]);                          \
            acc_t b = cvt<acc_t>(y[ember_offset(i, ndim, meta, STRIDES(2))]);                          \
            out[ember_offset(i, ndim, meta, STRIDES(0))] = (expr);                                     \
        }                                                                                              \
    }

// ---------------------------------------------------------------- helpers with PyTorch's semantics
template <class T>
__device__ __forceinline__ T ember_sign(T v) {
    return (T)((T(0) < v) - ember_negative(v));
}

#if EMBER_IS_FLOAT
__device__ __forceinline__ acc_t ember_sigmoid(acc_t v) { return acc_t(1) / (acc_t(1) + exp(-v)); }
__device__ __forceinline__ acc_t ember_floor_divide(acc_t a, acc_t b) {
    if (b == acc_t(0)) return a / b;
    acc_t m = fmod(a, b), d = (a - m) / b;
    if (m != acc_t(0) && ((b < acc_t(0)) != (m < acc_t(0)))) d -= acc_t(1);
    acc_t f = floor(d);
    if (d - f > acc_t(0.5)) f += acc_t(1);
    return d == acc_t(0) ? copysign(acc_t(0), a / b) : f;
}
__device__ __forceinline__ acc_t ember_remainder(acc_t a, acc_t b) {
    acc_t m = fmod(a, b);
    if (m != acc_t(0) && ((b < acc_t(0)) != (m < acc_t(0)))) m += b;
    return m;
}
#else
// Integer division by zero gives 0 instead of trapping (a GPU gives an unspecified value).
__device__ __forceinline__ acc_t ember_floor_divide(acc_t a, acc_t b) {
    if (b == 0) return 0;
    if (ember_minus_one(b)) return (acc_t)(0 - a);
    acc_t q = a / b;
    if ((a % b != 0) && (ember_negative(a) != ember_negative(b))) q -= 1;
    return q;
}
__device__ __forceinline__ acc_t ember_remainder(acc_t a, acc_t b) {
    if (b == 0 || ember_minus_one(b)) return 0;
    acc_t m = a % b;
    if (m != 0 && (ember_negative(m) != ember_negative(b))) m += b;
    return m;
}
__device__ __forceinline__ acc_t ember_fmod_int(acc_t a, acc_t b) { return (b == 0 || ember_minus_one(b)) ? 0 : a % b; }
__device__ __forceinline__ acc_t ember_ipow(acc_t a, acc_t b) {
    if (ember_negative(b)) return a == 1 ? acc_t(1) : (ember_minus_one(a) ? ((b & 1) ? a : acc_t(1)) : acc_t(0));
    acc_t r = 1;
    while (b) {
        if (b & 1) r = (acc_t)(r * a);
        a = (acc_t)(a * a);
        b >>= 1;
    }
    return r;
}
#endif

// ---------------------------------------------------------------- unary
#if !EMBER_IS_BOOL
EMBER_UNARY(neg, -v)
EMBER_UNARY(abs, ember_negative(v) ? -v : v)
EMBER_UNARY(sign, ember_sign(v))
EMBER_UNARY(square, v* v)
EMBER_UNARY(relu, v > acc_t(0) ? v : acc_t(0))
#endif
#if EMBER_IS_FLOAT
EMBER_UNARY(exp, exp(v))
EMBER_UNARY(exp2, exp2(v))
EMBER_UNARY(expm1, expm1(v))
EMBER_UNARY(log, log(v))
EMBER_UNARY(log2, log2(v))
EMBER_UNARY(log10, log10(v))
EMBER_UNARY(log1p, log1p(v))
EMBER_UNARY(sqrt, sqrt(v))
EMBER_UNARY(rsqrt, acc_t(1) / sqrt(v))
EMBER_UNARY(reciprocal, acc_t(1) / v)
EMBER_UNARY(sin, sin(v))
EMBER_UNARY(cos, cos(v))
EMBER_UNARY(tan, tan(v))
EMBER_UNARY(asin, asin(v))
EMBER_UNARY(acos, acos(v))
EMBER_UNARY(atan, atan(v))
EMBER_UNARY(sinh, sinh(v))
EMBER_UNARY(cosh, cosh(v))
EMBER_UNARY(tanh, tanh(v))
EMBER_UNARY(asinh, asinh(v))
EMBER_UNARY(acosh, acosh(v))
EMBER_UNARY(atanh, atanh(v))
EMBER_UNARY(erf, erf(v))
EMBER_UNARY(erfc, erfc(v))
EMBER_UNARY(lgamma, lgamma(v))
EMBER_UNARY(floor, floor(v))
EMBER_UNARY(ceil, ceil(v))
EMBER_UNARY(round, rint(v))
EMBER_UNARY(trunc, trunc(v))
EMBER_UNARY(frac, v - trunc(v))
EMBER_UNARY(sigmoid, ember_sigmoid(v))
EMBER_UNARY(logsigmoid, -(v < acc_t(0) ? -v + log1p(exp(v)) : log1p(exp(-v))))
EMBER_UNARY(silu, v* ember_sigmoid(v))
EMBER_UNARY(gelu, acc_t(0.5) * v * (acc_t(1) + erf(v * acc_t(0.70710678118654752440))))
EMBER_UNARY(gelu_tanh, acc_t(0.5) * v *
                           (acc_t(1) + tanh(acc_t(0.79788456080286535588) * (v + acc_t(0.044715) * v * v * v))))
EMBER_UNARY(softplus, v > acc_t(20) ? v : log1p(exp(v)))
EMBER_UNARY(mish, v* tanh(v > acc_t(20) ? v : log1p(exp(v))))
EMBER_PREDICATE(isnan, v != v)
EMBER_PREDICATE(isinf, !(v != v) && (v - v) != (v - v))
EMBER_PREDICATE(isfinite, (v - v) == (v - v))
EMBER_PREDICATE(signbit, signbit(v))
#else
EMBER_UNARY(bitwise_not, EMBER_IS_BOOL ? (acc_t)!v : (acc_t)~v)
#endif
EMBER_PREDICATE(logical_not, !(v != acc_t(0)))

// ---------------------------------------------------------------- binary
EMBER_BINARY(add, a + b)
EMBER_BINARY(mul, EMBER_IS_BOOL ? (a && b) : a * b)
EMBER_BINARY(maximum, ember_max(a, b))
EMBER_BINARY(minimum, ember_min(a, b))
#if !EMBER_IS_BOOL
EMBER_BINARY(sub, a - b)
EMBER_BINARY(floor_divide, ember_floor_divide(a, b))
EMBER_BINARY(remainder, ember_remainder(a, b))
#endif
#if EMBER_IS_FLOAT
EMBER_BINARY(div, a / b)
EMBER_BINARY(fmod, fmod(a, b))
EMBER_BINARY(pow, pow(a, b))
EMBER_BINARY(atan2, atan2(a, b))
EMBER_BINARY(hypot, hypot(a, b))
EMBER_BINARY(copysign, copysign(a, b))
// Backward helpers: y is the incoming gradient, x the forward input or output.
EMBER_BINARY(relu_backward, a > acc_t(0) ? b : acc_t(0))
EMBER_BINARY(sigmoid_backward, b* a*(acc_t(1) - a))
EMBER_BINARY(tanh_backward, b*(acc_t(1) - a * a))
#elif EMBER_IS_INT
EMBER_BINARY(fmod, ember_fmod_int(a, b))
EMBER_BINARY(pow, ember_ipow(a, b))
EMBER_BINARY(bitwise_and, a& b)
EMBER_BINARY(bitwise_or, a | b)
EMBER_BINARY(bitwise_xor, a ^ b)
EMBER_BINARY(shift_left,
             (ember_negative(b) || b >= (acc_t)(8 * sizeof(acc_t))) ? acc_t(0) : (acc_t)((unsigned long long)a << b))
EMBER_BINARY(shift_right, (ember_negative(b) || b >= (acc_t)(8 * sizeof(acc_t)))
                              ? (acc_t)(ember_negative(a) ? (acc_t)~acc_t(0) : acc_t(0))
                              : (acc_t)(a >> b))
#else
EMBER_BINARY(bitwise_and, a&& b)
EMBER_BINARY(bitwise_or, a || b)
EMBER_BINARY(bitwise_xor, a != b)
#endif

EMBER_COMPARE(eq, a == b)
EMBER_COMPARE(ne, a != b)
EMBER_COMPARE(lt, a < b)
EMBER_COMPARE(le, a <= b)
EMBER_COMPARE(gt, a > b)
EMBER_COMPARE(ge, a >= b)
EMBER_COMPARE(logical_and, (a != acc_t(0)) && (b != acc_t(0)))
EMBER_COMPARE(logical_or, (a != acc_t(0)) || (b != acc_t(0)))
EMBER_COMPARE(logical_xor, (a != acc_t(0)) != (b != acc_t(0)))

// ---------------------------------------------------------------- ternary and fills
// out = cond ? x : y; meta strides: out, cond, x, y.
extern "C" __global__ void where(i64 n, const bool* cond, const scalar_t* x, const scalar_t* y, scalar_t* out,
                                 int ndim, const i64* meta) {
    EMBER_FOR(i, n) {
        bool c = cond[ember_offset(i, ndim, meta, STRIDES(1))];
        out[ember_offset(i, ndim, meta, STRIDES(0))] =
            c ? x[ember_offset(i, ndim, meta, STRIDES(2))] : y[ember_offset(i, ndim, meta, STRIDES(3))];
    }
}

#if !EMBER_IS_BOOL
// out = clamp(x, lo, hi); a NaN x stays NaN. Strides: out, x.
extern "C" __global__ void clamp_scalar(i64 n, const scalar_t* x, acc_t lo, acc_t hi, scalar_t* out, int ndim,
                                        const i64* meta) {
    EMBER_FOR(i, n) {
        acc_t v = cvt<acc_t>(x[ember_offset(i, ndim, meta, STRIDES(1))]);
        if (!ember_isnan(v)) v = v < lo ? lo : (v > hi ? hi : v);
        out[ember_offset(i, ndim, meta, STRIDES(0))] = cvt<scalar_t>(v);
    }
}

// out = a + value * b * c (addcmul) ; strides: out, a, b, c.
extern "C" __global__ void addcmul(i64 n, const scalar_t* a, const scalar_t* b, const scalar_t* c, acc_t value,
                                   scalar_t* out, int ndim, const i64* meta) {
    EMBER_FOR(i, n) {
        acc_t va = cvt<acc_t>(a[ember_offset(i, ndim, meta, STRIDES(1))]);
        acc_t vb = cvt<acc_t>(b[ember_offset(i, ndim, meta, STRIDES(2))]);
        acc_t vc = cvt<acc_t>(c[ember_offset(i, ndim, meta, STRIDES(3))]);
        out[ember_offset(i, ndim, meta, STRIDES(0))] = cvt<scalar_t>((acc_t)(va + value * vb * vc));
    }
}

// out = alpha * x + beta * y (add with alpha, sub, axpy); strides: out, x, y.
extern "C" __global__ void axpby(i64 n, acc_t alpha, const scalar_t* x, acc_t beta, const scalar_t* y, scalar_t* out,
                                 int ndim, const i64* meta) {
    EMBER_FOR(i, n) {
        acc_t a = cvt<acc_t>(x[ember_offset(i, ndim, meta, STRIDES(1))]);
        acc_t b = cvt<acc_t>(y[ember_offset(i, ndim, meta, STRIDES(2))]);
        out[ember_offset(i, ndim, meta, STRIDES(0))] = cvt<scalar_t>((acc_t)(alpha * a + beta * b));
    }
}
#endif

#if EMBER_IS_FLOAT
// out = a + value * b / c (addcdiv); strides: out, a, b, c.
extern "C" __global__ void addcdiv(i64 n, const scalar_t* a, const scalar_t* b, const scalar_t* c, acc_t value,
                                   scalar_t* out, int ndim, const i64* meta) {
    EMBER_FOR(i, n) {
        acc_t va = cvt<acc_t>(a[ember_offset(i, ndim, meta, STRIDES(1))]);
        acc_t vb = cvt<acc_t>(b[ember_offset(i, ndim, meta, STRIDES(2))]);
        acc_t vc = cvt<acc_t>(c[ember_offset(i, ndim, meta, STRIDES(3))]);
        out[ember_offset(i, ndim, meta, STRIDES(0))] = cvt<scalar_t>(va + value * vb / vc);
    }
}

// out = x + weight * (y - x) (lerp with a tensor weight); strides: out, x, y, weight.
extern "C" __global__ void lerp(i64 n, const scalar_t* x, const scalar_t* y, const scalar_t* w, scalar_t* out,
                                int ndim, const i64* meta) {
    EMBER_FOR(i, n) {
        acc_t a = cvt<acc_t>(x[ember_offset(i, ndim, meta, STRIDES(1))]);
        acc_t b = cvt<acc_t>(y[ember_offset(i, ndim, meta, STRIDES(2))]);
        acc_t t = cvt<acc_t>(w[ember_offset(i, ndim, meta, STRIDES(3))]);
        out[ember_offset(i, ndim, meta, STRIDES(0))] = cvt<scalar_t>(a + t * (b - a));
    }
}
#endif

// out[...] = value; strides: out.
extern "C" __global__ void fill(i64 n, scalar_t* out, acc_t value, int ndim, const i64* meta) {
    scalar_t v = cvt<scalar_t>(value);
    EMBER_FOR(i, n) { out[ember_offset(i, ndim, meta, STRIDES(0))] = v; }
}
