// The CPU executor's view of CUDA C: force-included (g++ -include) before a kernel file.
//
// Each block runs on the calling OS thread; each of its threads is a cooperative fiber
// (ucontext) that switches only at __syncthreads() and at warp intrinsics, so shared-memory
// tiling, block reductions and shuffles execute for real. Blocks run one after another.
// A barrier that part of a block never reaches is reported as an error, not a wrong answer.
#pragma once

#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <type_traits>
#include <utility>

#define EMBER_CPU_EXECUTOR 1

// The loader preprocesses with __global__ defined as a marker to find every kernel, macros included.
#ifndef __global__
#define __global__
#endif
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __noinline__ __attribute__((noinline))
#define __launch_bounds__(...)
#define __align__(n) alignas(n)
// Block-scope thread_local is static: one copy per OS thread, shared by a block's fibers.
#ifndef __shared__
#define __shared__ thread_local
#endif
#define __constant__ static const

struct uint3 {
    unsigned int x, y, z;
};
struct dim3 {
    unsigned int x, y, z;
    dim3(unsigned int x_ = 1, unsigned int y_ = 1, unsigned int z_ = 1) : x(x_), y(y_), z(z_) {}
};

// ---------------------------------------------------------------- float16 storage type
struct __half {
    unsigned short x;
};

static inline float __half2float(__half h) {
    unsigned int sign = (h.x & 0x8000u) << 16, exp = (h.x >> 10) & 0x1f, man = h.x & 0x3ffu, bits;
    if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (man << 13);
    } else if (exp != 0) {
        bits = sign | ((exp + 112) << 23) | (man << 13);
    } else if (man == 0) {
        bits = sign;
    } else {  // subnormal: normalise
        int e = -1;
        do {
            e++;
            man <<= 1;
        } while ((man & 0x400u) == 0);
        bits = sign | ((unsigned int)(112 - e) << 23) | ((man & 0x3ffu) << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

static inline __half __float2half_rn(float f) {
    unsigned int bits;
    memcpy(&bits, &f, 4);
    unsigned int sign = (bits >> 16) & 0x8000u;
    unsigned int absb = bits & 0x7fffffffu;
    __half h;
    if (absb >= 0x7f800000u) {  // inf or nan
        h.x = (unsigned short)(sign | 0x7c00u | (absb > 0x7f800000u ? 0x200u : 0u));
        return h;
    }
    if (absb >= 0x477ff000u) {  // rounds to >= 65520: overflow
        h.x = (unsigned short)(sign | 0x7c00u);
        return h;
    }
    if (absb < 0x38800000u) {  // below the smallest normal half: subnormal or zero
        if (absb < 0x33000000u) {  // below half of the smallest subnormal
            h.x = (unsigned short)sign;
            return h;
        }
        unsigned int e = absb >> 23, m = (absb & 0x7fffffu) | 0x800000u;
        unsigned int shift = 126 - e;  // 14 + (112 - e) + 1 ... yields mantissa in units of 2^-24
        unsigned int q = m >> shift, rem = m & ((1u << shift) - 1), halfway = 1u << (shift - 1);
        if (rem > halfway || (rem == halfway && (q & 1u))) q++;
        h.x = (unsigned short)(sign | q);
        return h;
    }
    unsigned int q = ((absb >> 13) - (112u << 10));
    unsigned int rem = absb & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (q & 1u))) q++;
    h.x = (unsigned short)(sign | q);
    return h;
}
static inline __half __float2half(float f) { return __float2half_rn(f); }
static inline unsigned short __half_as_ushort(__half h) { return h.x; }
static inline __half __ushort_as_half(unsigned short u) {
    __half h;
    h.x = u;
    return h;
}

// ---------------------------------------------------------------- the fiber runtime
namespace ember_cpu {

// Fiber switching. On x86-64 a dozen instructions save the callee-saved registers and swap stacks
// (glibc's swapcontext makes a signal-mask system call on every switch, which dominated run time);
// elsewhere ucontext's makecontext/swapcontext do the same job.
#if defined(__x86_64__) && !defined(EMBER_USE_UCONTEXT)
#define EMBER_FAST_SWITCH 1
extern "C" void ember_fiber_switch(void** save_sp, void* to_sp);
asm(R"(
    .text
    .globl ember_fiber_switch
    .hidden ember_fiber_switch
    .type ember_fiber_switch, @function
    .p2align 4
ember_fiber_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    subq $8, %rsp
    stmxcsr (%rsp)
    fnstcw 4(%rsp)
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    ldmxcsr (%rsp)
    fldcw 4(%rsp)
    addq $8, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size ember_fiber_switch, .-ember_fiber_switch
)");
struct Context {
    void* sp;
};
#else
struct Context {
    ucontext_t uc;
};
#endif

enum FiberState { RUNNABLE = 0, AT_BARRIER = 1, AT_WARP = 2, FINISHED = 3 };
enum WarpOp { SHFL_IDX, SHFL_UP, SHFL_DOWN, SHFL_XOR, BALLOT, ANY, ALL, SYNCWARP };
enum BarrierOp { BAR_PLAIN, BAR_COUNT, BAR_AND, BAR_OR };

static const char* const warp_op_names[] = {"__shfl_sync",   "__shfl_up_sync", "__shfl_down_sync", "__shfl_xor_sync",
                                            "__ballot_sync", "__any_sync",     "__all_sync",       "__syncwarp"};

struct Fiber {
    Context ctx;
    uint3 tid;
    int state;
    int line;  // source line of the barrier or warp op it waits at
    int op;
    unsigned int mask;
    int arg, width;
    unsigned long long value, result;
};

struct Launch {
    void (*trampoline)(void**);
    void** args;
    Fiber* fibers;
    unsigned int nthreads;
    Fiber* current;
    Context scheduler;
    bool failed;
    char message[1024];
};

inline thread_local Launch* g_launch = nullptr;
inline thread_local uint3 g_blockIdx;
inline thread_local dim3 g_blockDim, g_gridDim;
inline thread_local unsigned char* g_dynamic_shared = nullptr;

#ifndef EMBER_FIBER_STACK_BYTES
#define EMBER_FIBER_STACK_BYTES (64 * 1024)
#endif

// One mmap'd region per OS thread, grown on demand: a guard page below each fiber's stack.
struct StackPool {
    unsigned char* base = nullptr;
    size_t count = 0, slot = 0;
    ~StackPool() {
        if (base) munmap(base, count * slot);
    }
    bool reserve(size_t n) {
        if (n <= count) return true;
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        size_t s = EMBER_FIBER_STACK_BYTES + page;
        void* p = mmap(nullptr, n * s, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) return false;
        for (size_t i = 0; i < n; i++) mprotect((unsigned char*)p + i * s, page, PROT_NONE);
        if (base) munmap(base, count * slot);
        base = (unsigned char*)p;
        count = n;
        slot = s;
        return true;
    }
    void* stack(size_t i, size_t* size) {
        size_t page = (size_t)sysconf(_SC_PAGESIZE);
        *size = slot - page;
        return base + i * slot + page;
    }
};
inline thread_local StackPool g_stacks;

inline void fail(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
inline void fail(const char* fmt, ...) {
    Launch* L = g_launch;
    if (L->failed) return;
    L->failed = true;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(L->message, sizeof L->message, fmt, ap);
    va_end(ap);
}

inline void switch_to(Context* save, Context* to) {
#if EMBER_FAST_SWITCH
    ember_fiber_switch(&save->sp, to->sp);
#else
    swapcontext(&save->uc, &to->uc);
#endif
}

inline void yield_to_scheduler() {
    Launch* L = g_launch;
    switch_to(&L->current->ctx, &L->scheduler);
}

// Stop the whole launch from inside a kernel thread (__trap, a failed assert).
[[noreturn]] inline void abort_launch() {
    Launch* L = g_launch;
    L->current->state = FINISHED;
    switch_to(&L->current->ctx, &L->scheduler);  // never resumed
    __builtin_unreachable();
}

[[noreturn]] inline void fiber_main() {
    Launch* L = g_launch;
    L->trampoline(L->args);
    L->current->state = FINISHED;
    switch_to(&L->current->ctx, &L->scheduler);  // never resumed
    __builtin_unreachable();
}

// Prepare a fiber to start in fiber_main on its own stack at the next switch to it.
inline void start_fiber(Fiber* f, void* stack, size_t size) {
#if EMBER_FAST_SWITCH
    // The frame ember_fiber_switch pops: mxcsr and x87 control word, six registers, return address.
    uintptr_t top = ((uintptr_t)stack + size) & ~(uintptr_t)15;
    uint64_t* sp = (uint64_t*)(top - 16);  // return address slot 16-byte aligned, as after a call
    sp[0] = (uint64_t)(uintptr_t)&fiber_main;
    sp -= 6;
    memset(sp, 0, 6 * sizeof(uint64_t));
    sp -= 1;
    uint32_t control[2] = {0x1F80u, 0x037Fu};
    memcpy(sp, control, 8);
    f->ctx.sp = sp;
#else
    getcontext(&f->ctx.uc);
    f->ctx.uc.uc_stack.ss_sp = stack;
    f->ctx.uc.uc_stack.ss_size = size;
    f->ctx.uc.uc_link = nullptr;
    makecontext(&f->ctx.uc, (void (*)())fiber_main, 0);
#endif
}

inline int block_barrier(int line, int op, int pred) {
    Fiber* f = g_launch->current;
    f->state = AT_BARRIER;
    f->line = line;
    f->op = op;
    f->value = pred != 0;
    yield_to_scheduler();
    return (int)f->result;
}

template <class T>
inline T warp_op(int line, int op, unsigned int mask, T value, int arg, int width) {
    static_assert(sizeof(T) <= 8, "warp intrinsics move at most 8 bytes");
    Fiber* f = g_launch->current;
    f->state = AT_WARP;
    f->line = line;
    f->op = op;
    f->mask = mask;
    f->arg = arg;
    f->width = width;
    f->value = 0;
    memcpy(&f->value, &value, sizeof(T));
    yield_to_scheduler();
    T out;
    memcpy(&out, &f->result, sizeof(T));
    return out;
}

inline unsigned int lane_of(const Fiber* f, const Launch* L) { return (unsigned int)(f - L->fibers) % 32u; }

// Complete the warp operations whose every named lane has arrived. Returns how many lanes were released.
inline unsigned int resolve_warps(Launch* L) {
    unsigned int released = 0;
    for (unsigned int w0 = 0; w0 < L->nthreads && !L->failed; w0 += 32) {
        unsigned int nlanes = L->nthreads - w0 < 32 ? L->nthreads - w0 : 32;
        Fiber* warp = L->fibers + w0;
        unsigned int existing = nlanes == 32 ? 0xffffffffu : ((1u << nlanes) - 1);
        unsigned int done = 0;
        for (unsigned int lane = 0; lane < nlanes; lane++) {
            Fiber* f = warp + lane;
            if (f->state != AT_WARP || (done >> lane & 1u)) continue;
            unsigned int mask = f->mask;
            if (!(mask >> lane & 1u)) {
                fail("%s at line %d: thread %u of the block calls it with mask 0x%08x, which leaves out its own lane %u",
                     warp_op_names[f->op], f->line, w0 + lane, mask, lane);
                return released;
            }
            unsigned int group = mask & existing;
            bool ready = true;
            for (unsigned int j = 0; j < nlanes; j++) {
                if (!(group >> j & 1u)) continue;
                Fiber* g = warp + j;
                if (g->state == FINISHED) {
                    fail("%s at line %d: lane %u of warp %u is named in mask 0x%08x but has exited; "
                         "warp intrinsics must be reached by every lane they name",
                         warp_op_names[f->op], f->line, j, w0 / 32, mask);
                    return released;
                }
                if (g->state != AT_WARP) {
                    ready = false;
                    break;
                }
                if (g->op != f->op || g->mask != mask) {
                    fail("divergent warp intrinsics in warp %u: lane %u is at %s (line %d, mask 0x%08x) while lane %u is "
                         "at %s (line %d, mask 0x%08x)",
                         w0 / 32, lane, warp_op_names[f->op], f->line, mask, j, warp_op_names[g->op], g->line,
                         g->mask);
                    return released;
                }
            }
            if (!ready) continue;
            unsigned long long vote = 0;
            for (unsigned int j = 0; j < nlanes; j++)
                if ((group >> j & 1u) && warp[j].value) vote |= 1ull << j;
            for (unsigned int j = 0; j < nlanes; j++) {
                if (!(group >> j & 1u)) continue;
                Fiber* g = warp + j;
                int width = g->width;
                if (width <= 0 || width > 32 || (width & (width - 1))) {
                    fail("%s at line %d: width %d is not a power of two in [1, 32]", warp_op_names[g->op], g->line,
                         width);
                    return released;
                }
                unsigned int seg = j & ~(unsigned int)(width - 1), src = j;
                switch (g->op) {
                    case SHFL_IDX: src = seg + ((unsigned int)g->arg & (unsigned int)(width - 1)); break;
                    case SHFL_UP: src = (j - seg) >= (unsigned int)g->arg ? j - (unsigned int)g->arg : j; break;
                    case SHFL_DOWN: src = (j - seg) + (unsigned int)g->arg < (unsigned int)width ? j + g->arg : j; break;
                    case SHFL_XOR: {
                        unsigned int s = j ^ (unsigned int)g->arg;
                        src = (s >= seg && s < seg + (unsigned int)width) ? s : j;
                        break;
                    }
                    default: break;
                }
                switch (g->op) {
                    case SHFL_IDX:
                    case SHFL_UP:
                    case SHFL_DOWN:
                    case SHFL_XOR:
                        if (src >= nlanes || !(group >> src & 1u)) {
                            fail("%s at line %d: lane %u of warp %u reads lane %u, which is not taking part "
                                 "(mask 0x%08x, %u threads in this warp)",
                                 warp_op_names[g->op], g->line, j, w0 / 32, src, mask, nlanes);
                            return released;
                        }
                        g->result = warp[src].value;
                        break;
                    case BALLOT: g->result = vote; break;
                    case ANY: g->result = vote != 0; break;
                    case ALL: g->result = vote == (unsigned long long)group; break;
                    default: g->result = 0; break;
                }
            }
            for (unsigned int j = 0; j < nlanes; j++) {
                if (!(group >> j & 1u)) continue;
                warp[j].state = RUNNABLE;
                done |= 1u << j;
                released++;
            }
        }
    }
    return released;
}

// Run one block to completion. Returns false with L->message set on a kernel error.
inline bool run_block(Launch* L) {
    for (unsigned int i = 0; i < L->nthreads; i++) {
        Fiber* f = L->fibers + i;
        unsigned int bx = g_blockDim.x, by = g_blockDim.y;
        f->tid.x = i % bx;
        f->tid.y = (i / bx) % by;
        f->tid.z = i / (bx * by);
        f->state = RUNNABLE;
        size_t size;
        void* stack = g_stacks.stack(i, &size);
        start_fiber(f, stack, size);
    }
    for (;;) {
        unsigned int ran = 0;
        for (unsigned int i = 0; i < L->nthreads; i++) {
            Fiber* f = L->fibers + i;
            if (f->state != RUNNABLE) continue;
            L->current = f;
            switch_to(&L->scheduler, &f->ctx);
            ran++;
            if (L->failed) return false;
        }
        if (resolve_warps(L)) continue;
        if (L->failed) return false;
        unsigned int finished = 0, at_barrier = 0, at_warp = 0;
        Fiber *first_barrier = nullptr, *first_warp = nullptr, *first_finished = nullptr;
        for (unsigned int i = 0; i < L->nthreads; i++) {
            Fiber* f = L->fibers + i;
            if (f->state == FINISHED) {
                finished++;
                if (!first_finished) first_finished = f;
            } else if (f->state == AT_BARRIER) {
                at_barrier++;
                if (!first_barrier) first_barrier = f;
            } else if (f->state == AT_WARP) {
                at_warp++;
                if (!first_warp) first_warp = f;
            }
        }
        if (finished == L->nthreads) return true;
        if (at_warp) {
            unsigned int lane = (unsigned int)(first_warp - L->fibers);
            if (at_barrier)
                fail("deadlock in block (%u,%u,%u): thread %u waits at %s (line %d) while thread %u waits at "
                     "__syncthreads() (line %d)",
                     g_blockIdx.x, g_blockIdx.y, g_blockIdx.z, lane, warp_op_names[first_warp->op], first_warp->line,
                     (unsigned int)(first_barrier - L->fibers), first_barrier->line);
            else
                fail("deadlock in block (%u,%u,%u): thread %u waits at %s (line %d, mask 0x%08x) for lanes that "
                     "never arrive",
                     g_blockIdx.x, g_blockIdx.y, g_blockIdx.z, lane, warp_op_names[first_warp->op], first_warp->line,
                     first_warp->mask);
            return false;
        }
        if (finished) {
            fail("__syncthreads() at line %d in block (%u,%u,%u) was reached by %u of the block's %u threads; the "
                 "other %u had exited (thread %u first). Every thread of a block must reach each barrier: replace an "
                 "early return by a guard around the work",
                 first_barrier->line, g_blockIdx.x, g_blockIdx.y, g_blockIdx.z, at_barrier, L->nthreads, finished,
                 (unsigned int)(first_finished - L->fibers));
            return false;
        }
        unsigned int count = 0;
        for (unsigned int i = 0; i < L->nthreads; i++) {
            Fiber* f = L->fibers + i;
            if (f->line != first_barrier->line || f->op != first_barrier->op) {
                fail("divergent barriers in block (%u,%u,%u): thread %u waits at the barrier on line %d, thread %u at "
                     "the one on line %d",
                     g_blockIdx.x, g_blockIdx.y, g_blockIdx.z, (unsigned int)(first_barrier - L->fibers),
                     first_barrier->line, i, f->line);
                return false;
            }
            count += (unsigned int)f->value;
        }
        unsigned long long result = 0;
        switch (first_barrier->op) {
            case BAR_COUNT: result = count; break;
            case BAR_AND: result = count == L->nthreads; break;
            case BAR_OR: result = count != 0; break;
            default: break;
        }
        for (unsigned int i = 0; i < L->nthreads; i++) {
            L->fibers[i].result = result;
            L->fibers[i].state = RUNNABLE;
        }
        (void)ran;
    }
}

struct KernelEntry {
    const char* name;
    void (*trampoline)(void**);
    int nparams;
    const int* kinds;  // 0 pointer, 1 signed integer, 2 unsigned integer, 3 floating, 4 other
    const int* sizes;
};

template <class T>
constexpr int kind_of() {
    using U = std::remove_cv_t<T>;
    return std::is_pointer<U>::value             ? 0
           : std::is_floating_point<U>::value    ? 3
           : std::is_same<U, bool>::value        ? 2
           : std::is_integral<U>::value          ? (std::is_signed<U>::value ? 1 : 2)
                                                 : 4;
}

template <class F>
struct Signature;
template <class... A>
struct Signature<void (*)(A...)> {
    static constexpr int n = (int)sizeof...(A);
    static constexpr int kinds[sizeof...(A) + 1] = {kind_of<A>()..., -1};
    static constexpr int sizes[sizeof...(A) + 1] = {(int)sizeof(A)..., -1};
    template <size_t... I>
    static void call(void (*f)(A...), void** args, std::index_sequence<I...>) {
        f(*static_cast<std::remove_cv_t<std::remove_reference_t<A>>*>(args[I])...);
    }
};

template <auto F>
void trampoline(void** args) {
    using S = Signature<decltype(F)>;
    S::call(F, args, std::make_index_sequence<S::n>{});
}

template <auto F>
constexpr KernelEntry entry(const char* name) {
    using S = Signature<decltype(F)>;
    return KernelEntry{name, &trampoline<F>, S::n, S::kinds, S::sizes};
}

// Launch a kernel over a grid. Returns 0, or -1 with a message in err.
inline int launch(const KernelEntry& k, void** args, const unsigned int* grid, const unsigned int* block,
                  size_t shared, char* err, size_t errlen) {
    Launch L;
    memset(&L, 0, sizeof L);
    L.trampoline = k.trampoline;
    L.args = args;
    unsigned long long n = (unsigned long long)block[0] * block[1] * block[2];
    if (n == 0 || n > 1024 || block[0] > 1024 || block[1] > 1024 || block[2] > 64 || grid[0] == 0 || grid[1] == 0 ||
        grid[2] == 0 || grid[0] > 2147483647u || grid[1] > 65535 || grid[2] > 65535) {
        snprintf(err, errlen,
                 "invalid launch configuration for %s: block=(%u, %u, %u), grid=(%u, %u, %u); a block holds 1 to 1024 "
                 "threads (z at most 64) and grid dimensions are 1..2^31-1, 1..65535, 1..65535",
                 k.name, block[0], block[1], block[2], grid[0], grid[1], grid[2]);
        return -1;
    }
    if (shared > 48 * 1024) {
        snprintf(err, errlen, "%s asks for %zu bytes of dynamic shared memory; the limit is 49152", k.name, shared);
        return -1;
    }
    L.nthreads = (unsigned int)n;
    if (!g_stacks.reserve(L.nthreads)) {
        snprintf(err, errlen, "could not map fiber stacks for %u threads", L.nthreads);
        return -1;
    }
    Fiber* fibers = new Fiber[L.nthreads];
    unsigned char* dyn = new (std::align_val_t(16)) unsigned char[shared ? shared : 16];
    L.fibers = fibers;
    Launch* saved = g_launch;
    unsigned char* saved_dyn = g_dynamic_shared;
    g_launch = &L;
    g_dynamic_shared = dyn;
    g_blockDim = dim3(block[0], block[1], block[2]);
    g_gridDim = dim3(grid[0], grid[1], grid[2]);
    bool ok = true;
    for (unsigned int z = 0; ok && z < grid[2]; z++)
        for (unsigned int y = 0; ok && y < grid[1]; y++)
            for (unsigned int x = 0; ok && x < grid[0]; x++) {
                g_blockIdx = uint3{x, y, z};
                ok = run_block(&L);
            }
    g_launch = saved;
    g_dynamic_shared = saved_dyn;
    delete[] fibers;
    operator delete[](dyn, std::align_val_t(16));
    if (!ok) {
        snprintf(err, errlen, "%s: %s", k.name, L.message);
        return -1;
    }
    return 0;
}

}  // namespace ember_cpu

#define threadIdx (::ember_cpu::g_launch->current->tid)
#define blockIdx (::ember_cpu::g_blockIdx)
#define blockDim (::ember_cpu::g_blockDim)
#define gridDim (::ember_cpu::g_gridDim)
#define warpSize 32

// Warp and block primitives take their call site's line by default argument, for error messages.
static inline void __syncthreads(int line = __builtin_LINE()) {
    ::ember_cpu::block_barrier(line, ::ember_cpu::BAR_PLAIN, 0);
}
static inline int __syncthreads_count(int p, int line = __builtin_LINE()) {
    return ::ember_cpu::block_barrier(line, ::ember_cpu::BAR_COUNT, p);
}
static inline int __syncthreads_and(int p, int line = __builtin_LINE()) {
    return ::ember_cpu::block_barrier(line, ::ember_cpu::BAR_AND, p);
}
static inline int __syncthreads_or(int p, int line = __builtin_LINE()) {
    return ::ember_cpu::block_barrier(line, ::ember_cpu::BAR_OR, p);
}
static inline void __syncwarp(unsigned int mask = 0xffffffffu, int line = __builtin_LINE()) {
    ::ember_cpu::warp_op<int>(line, ::ember_cpu::SYNCWARP, mask, 0, 0, 32);
}
template <class T>
inline T __shfl_sync(unsigned int mask, T v, int src, int width = 32, int line = __builtin_LINE()) {
    return ::ember_cpu::warp_op<T>(line, ::ember_cpu::SHFL_IDX, mask, v, src, width);
}
template <class T>
inline T __shfl_up_sync(unsigned int mask, T v, unsigned int delta, int width = 32, int line = __builtin_LINE()) {
    return ::ember_cpu::warp_op<T>(line, ::ember_cpu::SHFL_UP, mask, v, (int)delta, width);
}
template <class T>
inline T __shfl_down_sync(unsigned int mask, T v, unsigned int delta, int width = 32, int line = __builtin_LINE()) {
    return ::ember_cpu::warp_op<T>(line, ::ember_cpu::SHFL_DOWN, mask, v, (int)delta, width);
}
template <class T>
inline T __shfl_xor_sync(unsigned int mask, T v, int lane_mask, int width = 32, int line = __builtin_LINE()) {
    return ::ember_cpu::warp_op<T>(line, ::ember_cpu::SHFL_XOR, mask, v, lane_mask, width);
}
static inline unsigned int __ballot_sync(unsigned int mask, int p, int line = __builtin_LINE()) {
    return (unsigned int)::ember_cpu::warp_op<int>(line, ::ember_cpu::BALLOT, mask, p != 0, 0, 32);
}
static inline int __any_sync(unsigned int mask, int p, int line = __builtin_LINE()) {
    return ::ember_cpu::warp_op<int>(line, ::ember_cpu::ANY, mask, p != 0, 0, 32);
}
static inline int __all_sync(unsigned int mask, int p, int line = __builtin_LINE()) {
    return ::ember_cpu::warp_op<int>(line, ::ember_cpu::ALL, mask, p != 0, 0, 32);
}

#define __trap()                                                                                          \
    (::ember_cpu::fail("__trap() at line %d in thread (%u,%u,%u) of block (%u,%u,%u)", __LINE__, threadIdx.x, \
                       threadIdx.y, threadIdx.z, blockIdx.x, blockIdx.y, blockIdx.z),                      \
     ::ember_cpu::abort_launch())

#ifdef assert
#undef assert
#endif
#define assert(c) \
    ((c) ? (void)0 : (::ember_cpu::fail("assertion `%s` failed at line %d", #c, __LINE__), ::ember_cpu::abort_launch()))

// ---------------------------------------------------------------- atomics (fibers never preempt each other)
template <class T>
inline T atomicAdd(T* p, T v) {
    T old = *p;
    *p = old + v;
    return old;
}
inline __half atomicAdd(__half* p, __half v) {
    __half old = *p;
    *p = __float2half_rn(__half2float(old) + __half2float(v));
    return old;
}
template <class T>
inline T atomicSub(T* p, T v) {
    T old = *p;
    *p = old - v;
    return old;
}
template <class T>
inline T atomicExch(T* p, T v) {
    T old = *p;
    *p = v;
    return old;
}
template <class T>
inline T atomicMax(T* p, T v) {
    T old = *p;
    if (v > old) *p = v;
    return old;
}
template <class T>
inline T atomicMin(T* p, T v) {
    T old = *p;
    if (v < old) *p = v;
    return old;
}
template <class T>
inline T atomicAnd(T* p, T v) {
    T old = *p;
    *p = old & v;
    return old;
}
template <class T>
inline T atomicOr(T* p, T v) {
    T old = *p;
    *p = old | v;
    return old;
}
template <class T>
inline T atomicXor(T* p, T v) {
    T old = *p;
    *p = old ^ v;
    return old;
}
template <class T>
inline T atomicCAS(T* p, T compare, T v) {
    T old = *p;
    if (old == compare) *p = v;
    return old;
}
inline unsigned short atomicCAS(unsigned short* p, unsigned short compare, unsigned short v) {
    unsigned short old = *p;
    if (old == compare) *p = v;
    return old;
}
inline unsigned int atomicInc(unsigned int* p, unsigned int limit) {
    unsigned int old = *p;
    *p = old >= limit ? 0 : old + 1;
    return old;
}
inline unsigned int atomicDec(unsigned int* p, unsigned int limit) {
    unsigned int old = *p;
    *p = (old == 0 || old > limit) ? limit : old - 1;
    return old;
}
#define __threadfence() ((void)0)
#define __threadfence_block() ((void)0)

// ---------------------------------------------------------------- math and bit intrinsics
#define EMBER_MINMAX(T)                                \
    static inline T min(T a, T b) { return b < a ? b : a; } \
    static inline T max(T a, T b) { return a < b ? b : a; }
EMBER_MINMAX(int)
EMBER_MINMAX(unsigned int)
EMBER_MINMAX(long)
EMBER_MINMAX(unsigned long)
EMBER_MINMAX(long long)
EMBER_MINMAX(unsigned long long)
static inline float min(float a, float b) { return fminf(a, b); }
static inline float max(float a, float b) { return fmaxf(a, b); }
static inline double min(double a, double b) { return fmin(a, b); }
static inline double max(double a, double b) { return fmax(a, b); }
#undef EMBER_MINMAX

// glibc declares these names itself; the fast CUDA forms are the ordinary functions here.
#define __expf(x) expf(x)
#define __logf(x) logf(x)
#define __log2f(x) log2f(x)
#define __sinf(x) sinf(x)
#define __cosf(x) cosf(x)
#define __tanf(x) tanf(x)
#define __powf(x, y) powf(x, y)
static inline float __fdividef(float x, float y) { return x / y; }
static inline float __saturatef(float x) { return x != x ? 0.0f : fminf(fmaxf(x, 0.0f), 1.0f); }
static inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
static inline double rsqrt(double x) { return 1.0 / sqrt(x); }
static inline float __frsqrt_rn(float x) { return 1.0f / sqrtf(x); }
static inline float __fmaf_rn(float a, float b, float c) { return fmaf(a, b, c); }
static inline double __fma_rn(double a, double b, double c) { return fma(a, b, c); }
static inline float __int_as_float(int i) {
    float f;
    memcpy(&f, &i, 4);
    return f;
}
static inline int __float_as_int(float f) {
    int i;
    memcpy(&i, &f, 4);
    return i;
}
static inline float __uint_as_float(unsigned int i) {
    float f;
    memcpy(&f, &i, 4);
    return f;
}
static inline unsigned int __float_as_uint(float f) {
    unsigned int i;
    memcpy(&i, &f, 4);
    return i;
}
static inline double __longlong_as_double(long long i) {
    double f;
    memcpy(&f, &i, 8);
    return f;
}
static inline long long __double_as_longlong(double f) {
    long long i;
    memcpy(&i, &f, 8);
    return i;
}
static inline int __popc(unsigned int x) { return __builtin_popcount(x); }
static inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
static inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz((unsigned int)x); }
static inline int __clzll(long long x) { return x == 0 ? 64 : __builtin_clzll((unsigned long long)x); }
static inline int __ffs(int x) { return __builtin_ffs(x); }
static inline int __ffsll(long long x) { return __builtin_ffsll(x); }
static inline unsigned int __brev(unsigned int x) {
    unsigned int r = 0;
    for (int i = 0; i < 32; i++) r |= ((x >> i) & 1u) << (31 - i);
    return r;
}
static inline unsigned int __umulhi(unsigned int a, unsigned int b) {
    return (unsigned int)(((unsigned long long)a * b) >> 32);
}
static inline unsigned long long __umul64hi(unsigned long long a, unsigned long long b) {
    return (unsigned long long)(((unsigned __int128)a * b) >> 64);
}
static inline int __mul24(int a, int b) { return ((a << 8) >> 8) * ((b << 8) >> 8); }
static inline int __float2int_rn(float x) { return (int)nearbyintf(x); }
static inline int __float2int_rz(float x) { return (int)x; }
static inline unsigned int __float2uint_rn(float x) { return (unsigned int)nearbyintf(x); }
static inline float __int2float_rn(int x) { return (float)x; }
static inline float __uint2float_rn(unsigned int x) { return (float)x; }
static inline unsigned long long clock64() { return 0; }
