// SPDX-License-Identifier: Apache-2.0
// Handle validation: any pointer can be checked without touching memory it does not own.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "shim/handles/registry.h"

namespace odbcretry {
namespace {

const HandleKind kAllKinds[] = {HandleKind::Env, HandleKind::Dbc, HandleKind::Stmt,
                                HandleKind::Desc};

// A slot released at the end of the scope.
struct Acquired {
    HandleSlot* slot;
    explicit Acquired(HandleKind kind, void* object)
        : slot(HandleRegistry::instance().acquire(kind, object)) {}
    ~Acquired() { HandleRegistry::instance().release(slot); }
};

void expect_rejected_everywhere(const void* pointer, const char* what) {
    for (HandleKind kind : kAllKinds)
        EXPECT_EQ(HandleRegistry::instance().find(pointer, kind), nullptr)
            << what << " (" << pointer << ") accepted as kind " << static_cast<uint32_t>(kind);
}

TEST(HandleRegistry, LiveHandleIsFoundAsItsOwnKindOnly) {
    int object = 0;
    for (HandleKind kind : kAllKinds) {
        Acquired a(kind, &object);
        ASSERT_NE(a.slot, nullptr);
        EXPECT_EQ(HandleRegistry::instance().find(a.slot, kind), &object);
        for (HandleKind other : kAllKinds)
            if (other != kind) {
                EXPECT_EQ(HandleRegistry::instance().find(a.slot, other), nullptr);
            }
        EXPECT_EQ(HandleRegistry::instance().find(a.slot, HandleKind::None), nullptr);
    }
}

TEST(HandleRegistry, HandlesAreDistinctAndEachFindsItsObject) {
    std::vector<int> objects(64);
    std::vector<std::unique_ptr<Acquired>> slots;
    for (size_t i = 0; i < objects.size(); ++i)
        slots.push_back(
            std::make_unique<Acquired>(i % 2 ? HandleKind::Stmt : HandleKind::Dbc, &objects[i]));
    for (size_t i = 0; i < objects.size(); ++i) {
        HandleKind kind = i % 2 ? HandleKind::Stmt : HandleKind::Dbc;
        EXPECT_EQ(HandleRegistry::instance().find(slots[i]->slot, kind), &objects[i]) << i;
        for (size_t j = 0; j < i; ++j) EXPECT_NE(slots[i]->slot, slots[j]->slot);
    }
}

TEST(HandleRegistry, ReleasedHandleIsRejected) {
    int object = 0;
    HandleSlot* slot = HandleRegistry::instance().acquire(HandleKind::Stmt, &object);
    ASSERT_NE(slot, nullptr);
    HandleRegistry::instance().release(slot);
    expect_rejected_everywhere(slot, "released handle");
    // Handing out more handles does not bring the released one back to life.
    std::vector<std::unique_ptr<Acquired>> later;
    for (int i = 0; i < 32; ++i)
        later.push_back(std::make_unique<Acquired>(HandleKind::Stmt, &object));
    for (const auto& a : later) EXPECT_NE(a->slot, slot);
    expect_rejected_everywhere(slot, "released handle after more allocations");
}

TEST(HandleRegistry, ReleasingNullIsHarmless) {
    HandleRegistry::instance().release(nullptr);
}

TEST(HandleRegistry, NullAndSmallIntegersAreRejected) {
    expect_rejected_everywhere(nullptr, "null");
    for (uintptr_t v : {uintptr_t{1}, uintptr_t{16}, uintptr_t{0x1000}, uintptr_t{0xFFFF}})
        expect_rejected_everywhere(reinterpret_cast<void*>(v), "small integer");
}

TEST(HandleRegistry, MisalignedPointersIntoTheRegionAreRejected) {
    int object = 0;
    Acquired a(HandleKind::Dbc, &object);
    Acquired b(HandleKind::Dbc, &object);
    auto base = reinterpret_cast<uintptr_t>(a.slot);
    for (uintptr_t offset : {1, 2, 4, 8, 12, 15}) {
        auto* p = reinterpret_cast<const void*>(base + offset);
        EXPECT_EQ(HandleRegistry::instance().find(p, HandleKind::Dbc), nullptr)
            << "offset " << offset;
        expect_rejected_everywhere(p, "misaligned");
    }
    // The field inside a slot that holds the object pointer is not a handle either.
    expect_rejected_everywhere(&a.slot->object, "address of the object field");
}

TEST(HandleRegistry, PointersJustOutsideTheRegionAreRejected) {
    int object = 0;
    Acquired a(HandleKind::Env, &object);
    auto p = reinterpret_cast<uintptr_t>(a.slot);
    auto at = [](uintptr_t v) { return reinterpret_cast<const void*>(v); };
    // Before the first slot ever handed out, and far beyond the last one (never handed out).
    expect_rejected_everywhere(at(p - sizeof(HandleSlot) * (HandleRegistry::kCapacity + 1)),
                               "before the region");
    expect_rejected_everywhere(at(p + sizeof(HandleSlot) * 1000), "beyond the slots handed out");
    expect_rejected_everywhere(at(p + sizeof(HandleSlot) * HandleRegistry::kCapacity),
                               "beyond the region");
}

TEST(HandleRegistry, ForeignObjectsLookingLikeSlotsAreRejected) {
    // A heap block and a stack block that carry a valid kind tag and object pointer.
    int object = 0;
    auto fake = std::make_unique<HandleSlot>();
    fake->kind.store(static_cast<uint32_t>(HandleKind::Stmt));
    fake->object = &object;
    expect_rejected_everywhere(fake.get(), "heap lookalike");
    HandleSlot on_stack;
    on_stack.kind.store(static_cast<uint32_t>(HandleKind::Dbc));
    on_stack.object = &object;
    expect_rejected_everywhere(&on_stack, "stack lookalike");
    expect_rejected_everywhere(&object, "address of an int");
    expect_rejected_everywhere(reinterpret_cast<void*>(&expect_rejected_everywhere),
                               "code address");
}

TEST(HandleRegistry, RandomPointersAreRejectedWithoutCrashing) {
    std::mt19937_64 random(20240611);
    for (int i = 0; i < 100000; ++i) {
        auto p = reinterpret_cast<const void*>(static_cast<uintptr_t>(random()));
        for (HandleKind kind : kAllKinds)
            ASSERT_EQ(HandleRegistry::instance().find(p, kind), nullptr) << p;
    }
    for (uintptr_t v : {UINTPTR_MAX, UINTPTR_MAX - 15, uintptr_t{1} << 63, uintptr_t{0xDEADBEEF}})
        expect_rejected_everywhere(reinterpret_cast<void*>(v), "extreme value");
}

}  // namespace
}  // namespace odbcretry

namespace odbcretry {
namespace {

// A released slot comes back only after kReuseDistance later releases, and then it does come
// back: the memory the registry touches stops growing in a program that allocates and frees
// handles for ever (a soak allocates millions of statements).
TEST(HandleRegistry, AReleasedSlotIsReusedAfterTheReuseDistanceAndTheRegionStopsGrowing) {
    int object = 0;
    auto& registry = HandleRegistry::instance();
    HandleSlot* first = registry.acquire(HandleKind::Stmt, &object);
    ASSERT_NE(first, nullptr);
    registry.release(first);
    size_t cycles = 0;
    const size_t limit = 3 * HandleRegistry::kReuseDistance;
    for (; cycles < limit; ++cycles) {
        HandleSlot* slot = registry.acquire(HandleKind::Stmt, &object);
        ASSERT_NE(slot, nullptr);
        EXPECT_EQ(registry.find(first, HandleKind::Stmt) == &object, slot == first);
        registry.release(slot);
        if (slot == first) break;
    }
    ASSERT_LT(cycles, limit) << "the released slot never came back";
    EXPECT_GE(cycles, HandleRegistry::kReuseDistance);
    // From now on the registry reuses: many more cycles touch no new slot.
    const size_t touched = HandleRegistry::slots_touched();
    for (size_t i = 0; i < limit; ++i) registry.release(registry.acquire(HandleKind::Dbc, &object));
    EXPECT_EQ(HandleRegistry::slots_touched(), touched);
}

}  // namespace
}  // namespace odbcretry

namespace odbcretry {
namespace {

// After the region is used up, handles come from the released ones, oldest first: taking one
// must not cost in proportion to how many were released (it once erased the front of a vector
// of up to 4M entries, under the lock every allocation takes; now it is a queue's pop). Last in
// this file: it uses the region up.
TEST(HandleRegistry, AfterTheRegionIsUsedUpTheOldestReleasedSlotsAreReused) {
    int object = 0;
    auto& registry = HandleRegistry::instance();
    std::vector<HandleSlot*> all;
    all.reserve(HandleRegistry::kCapacity);
    while (HandleSlot* slot = registry.acquire(HandleKind::Stmt, &object)) all.push_back(slot);
    ASSERT_GT(all.size(), HandleRegistry::kCapacity / 2);
    EXPECT_EQ(HandleRegistry::slots_touched(), HandleRegistry::kCapacity);
    for (HandleSlot* slot : all) registry.release(slot);
    for (size_t i = 0; i < 4000; ++i) {
        HandleSlot* slot = registry.acquire(HandleKind::Dbc, &object);
        ASSERT_EQ(slot, all[i]) << "not the oldest released slot at " << i;
        EXPECT_EQ(registry.find(slot, HandleKind::Dbc), &object);
    }
}

}  // namespace
}  // namespace odbcretry
