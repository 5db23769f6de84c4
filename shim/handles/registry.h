// SPDX-License-Identifier: Apache-2.0
// Handle validation without locks.
//
// Every handle odbc-retry gives out is the address of a slot in one region reserved at start-up
// (virtual memory only: pages are committed as slots are used). A handle is valid when it points
// at a slot boundary inside that region and the slot's tag names the expected kind. Any pointer
// can be checked this way without touching memory outside the region, so a wrong, freed or
// foreign handle gets SQL_INVALID_HANDLE instead of a crash, and the check costs a subtraction,
// a compare and one atomic load. Allocation and release take a mutex (never on the hot path).
// A released slot is reused, oldest first, once kReuseDistance slots have been released after
// it: a stale handle names a live object only after that many later releases, and the memory
// the registry touches stays at (handles live at once + kReuseDistance) slots, about 1 MiB for a
// program that never holds many handles, however long it runs. Only when the region is used up
// are released slots reused sooner.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace odbcretry {

enum class HandleKind : uint32_t {
    None = 0,
    Env = 0x454E5631,
    Dbc = 0x44424331,
    Stmt = 0x53544D31,
    Desc = 0x44455331
};

struct alignas(16) HandleSlot {
    std::atomic<uint32_t> kind{0};
    uint32_t reserved = 0;
    void* object = nullptr;
};

class HandleRegistry {
  public:
    static HandleRegistry& instance();

    // Returns a slot holding `object`, or null when the region is exhausted.
    HandleSlot* acquire(HandleKind kind, void* object);
    void release(HandleSlot* slot);

    // The object behind `handle` when it is a live handle of `kind`, else null. Static and
    // inline: the hot path reads two globals, no function-local static guard.
    static void* find(const void* handle, HandleKind kind) {
        auto address = reinterpret_cast<uintptr_t>(handle);
        uintptr_t offset = address - region_base.load(std::memory_order_relaxed);
        if (offset >= region_used.load(std::memory_order_acquire) ||
            offset % sizeof(HandleSlot) != 0)
            return nullptr;
        auto* slot = reinterpret_cast<const HandleSlot*>(address);
        if (slot->kind.load(std::memory_order_acquire) != static_cast<uint32_t>(kind))
            return nullptr;
        return slot->object;
    }

    static constexpr size_t kCapacity = size_t{1} << 22;  // 4M handles, 64 MiB reserved
    static constexpr size_t kReuseDistance = size_t{1} << 16;

    // Slots handed out from the region so far (each one touched memory): what the registry
    // costs in memory.
    static size_t slots_touched() {
        return region_used.load(std::memory_order_acquire) / sizeof(HandleSlot);
    }

  private:
    HandleRegistry();
    // The region's start, and the bytes of it handed out so far (monotonic). Both stay 0 until
    // the first handle is allocated, so every pointer is rejected before that.
    static inline std::atomic<uintptr_t> region_base{0};
    static inline std::atomic<uintptr_t> region_used{0};
};

}  // namespace odbcretry
