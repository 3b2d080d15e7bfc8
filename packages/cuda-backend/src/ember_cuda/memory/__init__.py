"""Device memory: the caching allocator and the blocks tensors hold."""

from ember_cuda.memory.allocator import Block, CachingAllocator, format_bytes

__all__ = ["Block", "CachingAllocator", "format_bytes"]
