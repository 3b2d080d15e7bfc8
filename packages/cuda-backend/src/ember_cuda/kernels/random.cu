// Random numbers from Philox4x32-10, a counter-based generator: element i of a call draws from
// counter (offset + i) under key (seed), so results depend on (seed, offset, i) only, never on
// the launch geometry. The caller advances its offset by n after each call (manual_seed sets
// seed and resets offset). Launch 1-D, any grid (grid-stride).
#include "ember_cuda.cuh"

struct EmberPhilox {
    unsigned int v[4];
};

__device__ __forceinline__ EmberPhilox ember_philox(unsigned long long seed, unsigned long long counter) {
    unsigned int c0 = (unsigned int)counter, c1 = (unsigned int)(counter >> 32), c2 = 0, c3 = 0;
    unsigned int k0 = (unsigned int)seed, k1 = (unsigned int)(seed >> 32);
    for (int round = 0; round < 10; round++) {
        unsigned int hi0 = __umulhi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
        unsigned int hi1 = __umulhi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
        unsigned int n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
        c0 = n0;
        c1 = lo1;
        c2 = n2;
        c3 = lo0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    EmberPhilox r;
    r.v[0] = c0;
    r.v[1] = c1;
    r.v[2] = c2;
    r.v[3] = c3;
    return r;
}

// Uniform in [0, 1): 24 random bits for float, 53 for double.
__device__ __forceinline__ float ember_u01f(unsigned int a) { return (float)(a >> 8) * 5.9604644775390625e-08f; }
__device__ __forceinline__ double ember_u01d(unsigned int a, unsigned int b) {
    return (double)(((unsigned long long)a << 21) ^ (b >> 11)) * 1.1102230246251565e-16;
}

#if EMBER_IS_FLOAT
#define EMBER_U01(r, a, b) (sizeof(acc_t) == 8 ? (acc_t)ember_u01d((r).v[a], (r).v[b]) : (acc_t)ember_u01f((r).v[a]))

// out = low + (high - low) * U[0, 1)
extern "C" __global__ void uniform(i64 n, scalar_t* __restrict__ out, unsigned long long seed,
                                   unsigned long long offset, double low, double high) {
    EMBER_FOR(i, n) {
        EmberPhilox r = ember_philox(seed, offset + (unsigned long long)i);
        acc_t u = EMBER_U01(r, 0, 1);
        scalar_t v = cvt<scalar_t>((acc_t)low + (acc_t)(high - low) * u);
        // rounding to the element type must not reach high: [low, high) as in PyTorch
        out[i] = cvt<acc_t>(v) < (acc_t)high ? v : cvt<scalar_t>((acc_t)low);
    }
}

// out = mean + std * N(0, 1) by Box-Muller.
extern "C" __global__ void normal(i64 n, scalar_t* __restrict__ out, unsigned long long seed, unsigned long long offset,
                                  double mean, double std) {
    EMBER_FOR(i, n) {
        EmberPhilox r = ember_philox(seed, offset + (unsigned long long)i);
        acc_t u1 = acc_t(1) - EMBER_U01(r, 0, 1);  // (0, 1]: log is finite
        acc_t u2 = EMBER_U01(r, 2, 3);
        acc_t z = sqrt(acc_t(-2) * log(u1)) * cos(acc_t(6.283185307179586476925) * u2);
        out[i] = cvt<scalar_t>((acc_t)mean + (acc_t)std * z);
    }
}

// Dropout: mask = U >= p, out = x * mask / (1 - p) (p < 1), or zeros when p == 1.
extern "C" __global__ void dropout(i64 n, const scalar_t* __restrict__ x, scalar_t* __restrict__ out,
                                   bool* __restrict__ mask, double p, unsigned long long seed, unsigned long long offset) {
    const acc_t scale = p < 1.0 ? (acc_t)(1.0 / (1.0 - p)) : acc_t(0);
    EMBER_FOR(i, n) {
        EmberPhilox r = ember_philox(seed, offset + (unsigned long long)i);
        bool keep = (double)EMBER_U01(r, 0, 1) >= p;
        mask[i] = keep;
        out[i] = cvt<scalar_t>(keep ? cvt<acc_t>(x[i]) * scale : acc_t(0));
    }
}

// out = U < probs (a tensor of probabilities, contiguous, same n).
extern "C" __global__ void bernoulli_tensor(i64 n, const scalar_t* __restrict__ probs, scalar_t* __restrict__ out,
                                            unsigned long long seed, unsigned long long offset) {
    EMBER_FOR(i, n) {
        EmberPhilox r = ember_philox(seed, offset + (unsigned long long)i);
        out[i] = cvt<scalar_t>(EMBER_U01(r, 0, 1) < cvt<acc_t>(probs[i]) ? acc_t(1) : acc_t(0));
    }
}
#endif

// out = U < p, for every dtype (bool gives True/False).
extern "C" __global__ void bernoulli_scalar(i64 n, scalar_t* __restrict__ out, double p, unsigned long long seed,
                                            unsigned long long offset) {
    EMBER_FOR(i, n) {
        EmberPhilox r = ember_philox(seed, offset + (unsigned long long)i);
        out[i] = cvt<scalar_t>(ember_u01d(r.v[0], r.v[1]) < p ? 1 : 0);
    }
}

#if !EMBER_IS_BOOL
// out = low + (64 random bits mod range), range = high - low > 0 (the caller checks).
extern "C" __global__ void randint(i64 n, scalar_t* __restrict__ out, i64 low, unsigned long long range,
                                   unsigned long long seed, unsigned long long offset) {
    EMBER_FOR(i, n) {
        EmberPhilox r = ember_philox(seed, offset + (unsigned long long)i);
        unsigned long long bits = ((unsigned long long)r.v[0] << 32) | r.v[1];
        out[i] = cvt<scalar_t>(low + (i64)(bits % range));
    }
}
#endif

// The raw generator: out[4 * i .. 4 * i + 3] = Philox4x32-10(counter = offset + i, key = seed).
extern "C" __global__ void philox_raw(i64 n, unsigned int* __restrict__ out, unsigned long long seed,
                                      unsigned long long offset) {
    EMBER_FOR(i, n) {
        EmberPhilox r = ember_philox(seed, offset + (unsigned long long)i);
        for (int k = 0; k < 4; k++) out[4 * i + k] = r.v[k];
    }
}
