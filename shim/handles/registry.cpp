// SPDX-License-Identifier: Apache-2.0
#include "shim/handles/registry.h"

#include <sys/mman.h>

#include <deque>
#include <mutex>
#include <new>

namespace odbcretry {
namespace {
std::mutex registry_mutex;
// Released slots, oldest first: a queue, so that reuse takes the oldest in constant time. It holds
// about kReuseDistance entries (never more than kCapacity).
std::deque<HandleSlot*>& free_slots() {
    static auto* slots = new std::deque<HandleSlot*>();  // never destroyed: handles outlive statics
    return *slots;
}
}  // namespace

HandleRegistry& HandleRegistry::instance() {
    static auto* registry = new HandleRegistry();  // never destroyed, for the same reason
    return *registry;
}

HandleRegistry::HandleRegistry() {
    void* region = mmap(nullptr, kCapacity * sizeof(HandleSlot), PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (region == MAP_FAILED) throw std::bad_alloc();
    region_base.store(reinterpret_cast<uintptr_t>(region), std::memory_order_release);
}

HandleSlot* HandleRegistry::acquire(HandleKind kind, void* object) {
    std::lock_guard lock(registry_mutex);
    HandleSlot* slot = nullptr;
    uintptr_t used = region_used.load(std::memory_order_relaxed);
    if (free_slots().size() > kReuseDistance) {
        slot = free_slots().front();
        free_slots().pop_front();
    } else if (used < kCapacity * sizeof(HandleSlot)) {
        slot = new (reinterpret_cast<void*>(region_base.load(std::memory_order_relaxed) + used))
            HandleSlot();
        region_used.store(used + sizeof(HandleSlot), std::memory_order_release);
    } else if (!free_slots().empty()) {
        slot = free_slots().front();
        free_slots().pop_front();
    } else {
        return nullptr;
    }
    slot->object = object;
    slot->kind.store(static_cast<uint32_t>(kind), std::memory_order_release);
    return slot;
}

void HandleRegistry::release(HandleSlot* slot) {
    if (!slot) return;
    std::lock_guard lock(registry_mutex);
    slot->kind.store(0, std::memory_order_release);
    slot->object = nullptr;
    free_slots().push_back(slot);
}

}  // namespace odbcretry
