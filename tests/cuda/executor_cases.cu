// Kernels that exercise the CPU executor's semantics (tests/cuda/test_executor_*.py).

// Shared-memory tree reduction with a barrier per level: out[block] = sum of its elements.
extern "C" __global__ void tree_sum(const float* x, float* out, long long n) {
    __shared__ float s[1024];
    unsigned t = threadIdx.x;
    long long i = (long long)blockIdx.x * blockDim.x + t;
    s[t] = i < n ? x[i] : 0.0f;
    __syncthreads();
    for (unsigned k = blockDim.x / 2; k > 0; k >>= 1) {
        if (t < k) s[t] += s[t + k];
        __syncthreads();
    }
    if (t == 0) out[blockIdx.x] = s[0];
}

// Tiled transpose through shared memory, 2-D blocks and grid: out[c][r] = x[r][c].
extern "C" __global__ void transpose(const double* x, double* out, int rows, int cols) {
    __shared__ double tile[8][9];
    int c = blockIdx.x * 8 + threadIdx.x, r = blockIdx.y * 8 + threadIdx.y;
    if (r < rows && c < cols) tile[threadIdx.y][threadIdx.x] = x[r * cols + c];
    __syncthreads();
    int oc = blockIdx.y * 8 + threadIdx.x, orow = blockIdx.x * 8 + threadIdx.y;
    if (orow < cols && oc < rows) out[orow * rows + oc] = tile[threadIdx.x][threadIdx.y];
}

// Each shuffle flavour; out has 6 rows of blockDim.x ints.
extern "C" __global__ void shuffles(int* out, int src_lane, int delta, int width) {
    unsigned t = threadIdx.x, n = blockDim.x;
    int v = (int)(t * 10 + 1);
    out[0 * n + t] = __shfl_sync(0xffffffffu, v, src_lane, width);
    out[1 * n + t] = __shfl_up_sync(0xffffffffu, v, delta, width);
    out[2 * n + t] = __shfl_down_sync(0xffffffffu, v, delta, width);
    out[3 * n + t] = __shfl_xor_sync(0xffffffffu, v, delta, width);
    double d = __shfl_down_sync(0xffffffffu, (double)v + 0.5, 1);
    out[4 * n + t] = (int)(d * 2);
    long long w = __shfl_xor_sync(0xffffffffu, (long long)v << 33, 1);
    out[5 * n + t] = (int)(w >> 33);
}

// Warp reduction with shuffles only, then across warps through shared memory.
extern "C" __global__ void warp_reduce(const float* x, float* out) {
    __shared__ float partial[32];
    float v = x[blockIdx.x * blockDim.x + threadIdx.x];
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
    if (threadIdx.x % 32 == 0) partial[threadIdx.x / 32] = v;
    __syncthreads();
    if (threadIdx.x == 0) {
        float s = 0;
        for (unsigned w = 0; w < blockDim.x / 32; w++) s += partial[w];
        out[blockIdx.x] = s;
    }
}

// Votes: out = [ballot, any, all, syncthreads_count, syncthreads_and, syncthreads_or] per thread.
extern "C" __global__ void votes(const int* pred, unsigned* out) {
    unsigned t = threadIdx.x, n = blockDim.x;
    int p = pred[t];
    out[0 * n + t] = __ballot_sync(0xffffffffu, p);
    out[1 * n + t] = __any_sync(0xffffffffu, p);
    out[2 * n + t] = __all_sync(0xffffffffu, p);
    __syncwarp();
    out[3 * n + t] = __syncthreads_count(p);
    out[4 * n + t] = __syncthreads_and(p);
    out[5 * n + t] = __syncthreads_or(p);
}

// Half-warp groups with their own masks shuffle independently.
extern "C" __global__ void split_masks(int* out) {
    unsigned lane = threadIdx.x % 32;
    unsigned mask = lane < 16 ? 0x0000ffffu : 0xffff0000u;
    out[threadIdx.x] = __shfl_sync(mask, (int)threadIdx.x, lane < 16 ? 3 : 20);
}

// Identity of every thread: out[4 * g + k] = tid.x, tid.y, tid.z, linear block id.
extern "C" __global__ void identities(int* out, unsigned* dims) {
    unsigned block = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
    unsigned local = threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
    unsigned g = block * blockDim.x * blockDim.y * blockDim.z + local;
    out[4 * g + 0] = threadIdx.x;
    out[4 * g + 1] = threadIdx.y;
    out[4 * g + 2] = threadIdx.z;
    out[4 * g + 3] = (int)block;
    if (g == 0) {
        dims[0] = blockDim.x; dims[1] = blockDim.y; dims[2] = blockDim.z;
        dims[3] = gridDim.x; dims[4] = gridDim.y; dims[5] = gridDim.z;
    }
}

// Atomics from every thread of every block.
extern "C" __global__ void atomics(const int* bins, long long n, int* hist, int* maxv, int* minv, float* fsum,
                                   double* dsum, unsigned long long* usum, unsigned* counter, float* fmax) {
    for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (long long)blockDim.x * gridDim.x) {
        int b = bins[i];
        atomicAdd(&hist[b], 1);
        atomicMax(maxv, b * 3 - 7);
        atomicMin(minv, b * 3 - 7);
        atomicAdd(fsum, 0.5f);
        atomicAdd(dsum, 0.25);
        atomicAdd(usum, 3ull);
        atomicInc(counter, 1000000u);
        // float max through compare-and-swap, the usual CUDA idiom
        float v = (float)b * 1.5f;
        int* addr = (int*)fmax;
        int old = *addr, assumed;
        do {
            assumed = old;
            if (__int_as_float(assumed) >= v) break;
            old = atomicCAS(addr, assumed, __float_as_int(v));
        } while (assumed != old);
    }
}

// Dynamic shared memory in two kernels of one module, of different element types.
extern "C" __global__ void dyn_reverse_float(const float* x, float* out) {
    extern __shared__ float buf[];
    buf[threadIdx.x] = x[threadIdx.x];
    __syncthreads();
    out[threadIdx.x] = buf[blockDim.x - 1 - threadIdx.x];
}
extern "C" __global__ void dyn_pairs_double(const double* x, double* out) {
    extern __shared__ __align__(16) double dbuf[];
    dbuf[2 * threadIdx.x] = x[threadIdx.x];
    dbuf[2 * threadIdx.x + 1] = -x[threadIdx.x];
    __syncthreads();
    unsigned o = (threadIdx.x + 1) % blockDim.x;
    out[threadIdx.x] = dbuf[2 * o] + 10 * dbuf[2 * o + 1];
}

// Errors the executor must report.
extern "C" __global__ void early_return_barrier(float* out) {
    if (threadIdx.x >= 10) return;
    __syncthreads();
    out[threadIdx.x] = 1.0f;
}
extern "C" __global__ void divergent_barriers(float* out) {
    if (threadIdx.x % 2) {
        __syncthreads();
        out[threadIdx.x] = 1.0f;
    } else {
        __syncthreads();
        out[threadIdx.x] = 2.0f;
    }
}
extern "C" __global__ void shuffle_after_exit(float* out) {
    if (threadIdx.x == 5) return;
    out[threadIdx.x] = __shfl_down_sync(0xffffffffu, 1.0f, 1);
}
extern "C" __global__ void warp_vs_block(float* out) {
    if (threadIdx.x == 0) __syncthreads();
    else out[threadIdx.x] = __shfl_xor_sync(0xffffffffu, 1.0f, 1);
}
extern "C" __global__ void trap_in_block(int* out, int which_block) {
    if (blockIdx.x == (unsigned)which_block && threadIdx.x == 3) __trap();
    out[blockIdx.x * blockDim.x + threadIdx.x] = 1;
}
extern "C" __global__ void failing_assert(int* out, int bound) {
    assert(threadIdx.x < (unsigned)bound);
    out[threadIdx.x] = 1;
}

// Every parameter kind, echoed back, to check argument packing.
extern "C" __global__ void echo(long long* out, signed char a, unsigned char b, short c, int d, long long e,
                                unsigned int f, float g, double h, bool k, const float* p) {
    out[0] = a; out[1] = b; out[2] = c; out[3] = d; out[4] = e; out[5] = f;
    out[6] = (long long)(g * 4); out[7] = (long long)(h * 8); out[8] = k; out[9] = (long long)p[1];
}
