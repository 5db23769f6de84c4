// SPDX-License-Identifier: Apache-2.0
// Where circuit breakers keep their state: a fixed table of slots, one per target, keyed by a
// 64-bit hash of the target. Each slot holds the breaker's 64-bit state word (see
// circuit_breaker.h), updated only with lock-free atomics (std::atomic_ref), so that a process
// that dies in the middle of an update never leaves a lock held.
//
// Two stores:
//   InProcessBreakerStore  the table on the heap: breakers shared by the threads of one process.
//   SharedBreakerStore     the table in a file mapped MAP_SHARED by every process of the user on
//                          the host (in /dev/shm by default, so it lives in memory): when one
//                          process finds the server down, the others fail fast or wait for the
//                          one probe too. Times in it are steady_clock (CLOCK_MONOTONIC)
//                          milliseconds, which all processes on the host share.
//
// A slot, once claimed for a key, stays that key's while it is used; when the table is full, a
// slot whose breaker is closed with no failures and that no process used for the store's idle
// time (kBreakerSlotIdle) is given to the new key, so that the table stays bounded and a new
// target lacks a breaker (letting everything through, CircuitBreaker::active()) only until such
// a slot is found. A CircuitBreaker looks its slot up at each use. Both stores are
// thread-safe; the pointers they return stay valid for the store's lifetime and must be used
// only through std::atomic_ref<std::uint64_t>.
//
// File layout (SharedBreakerStore), all 64-bit words in host byte order:
//   header, 8 words: magic, version, slot count, words per slot, 4 reserved
//   slots, 4 words each: key hash (0 = free), breaker state word, last use (steady_clock
//   milliseconds + 1; 0 = not known), 1 reserved (zero)
// The file is created complete under a temporary name and linked into place, so no process ever
// maps a half-initialised table. A file that is too small, or whose header is wrong, is replaced
// by a fresh one (processes that still map the old one keep using it until they reopen).
#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "shim/retry/clock.h"

namespace odbcretry {

inline constexpr std::chrono::milliseconds kBreakerSlotIdle{10 * 60 * 1000};

class BreakerStore {
  public:
    virtual ~BreakerStore() = default;
    // The state word of the target with this key hash, claimed on first use (0 = a closed
    // breaker). Null when the table is full.
    virtual std::uint64_t* state_word(std::uint64_t key_hash) = 0;
    // "in-process", or the path of the shared file.
    virtual std::string description() const = 0;
};

inline constexpr std::uint32_t kDefaultBreakerSlots = 1024;

class InProcessBreakerStore final : public BreakerStore {
  public:
    explicit InProcessBreakerStore(std::uint32_t slots = kDefaultBreakerSlots);
    std::uint64_t* state_word(std::uint64_t key_hash) override;
    std::string description() const override { return "in-process"; }
    // The clock and idle time with which full tables give up slots (tests).
    void set_reclaim(Clock& clock, std::chrono::milliseconds idle) {
        clock_ = &clock;
        idle_ = idle;
    }

  private:
    std::uint32_t slot_count_;
    std::unique_ptr<std::uint64_t[]> words_;
    Clock* clock_ = &steady_clock_instance();
    std::chrono::milliseconds idle_ = kBreakerSlotIdle;
};

class SharedBreakerStore final : public BreakerStore {
  public:
    // Opens (creating or repairing) the table file in `directory`, creating the directory (mode
    // 0700) when it does not exist. Null, with `error` set, when that is impossible.
    static std::unique_ptr<SharedBreakerStore> open(const std::string& directory,
                                                    std::string& error,
                                                    std::uint32_t slots = kDefaultBreakerSlots);
    // The same in default_state_directory(); a per-user directory found there must belong to
    // this user and not be writable by anyone else (or the store is refused).
    static std::unique_ptr<SharedBreakerStore> open_default(
        std::string& error, std::uint32_t slots = kDefaultBreakerSlots);
    ~SharedBreakerStore() override;
    SharedBreakerStore(const SharedBreakerStore&) = delete;
    SharedBreakerStore& operator=(const SharedBreakerStore&) = delete;

    std::uint64_t* state_word(std::uint64_t key_hash) override;
    std::string description() const override { return path_; }
    const std::string& path() const { return path_; }
    void set_reclaim(Clock& clock, std::chrono::milliseconds idle) {
        clock_ = &clock;
        idle_ = idle;
    }

    static constexpr std::string_view kFileName = "breakers-v1";

  private:
    static std::unique_ptr<SharedBreakerStore> open_in(const std::string& directory,
                                                       bool private_dir, std::string& error,
                                                       std::uint32_t slots);
    SharedBreakerStore(std::string path, void* mapping, std::size_t size, std::uint32_t slots)
        : path_(std::move(path)), mapping_(mapping), size_(size), slot_count_(slots) {}

    std::string path_;
    void* mapping_;
    std::size_t size_;
    std::uint32_t slot_count_;
    Clock* clock_ = &steady_clock_instance();
    std::chrono::milliseconds idle_ = kBreakerSlotIdle;
};

// The state word of `key_hash` in the shared breaker table of `directory`, read without opening
// the table for writing or claiming a slot (odbc-retry stats): 0 when the key has no slot (a
// closed breaker that never failed); empty when there is no valid table.
std::optional<std::uint64_t> peek_shared_breaker(const std::string& directory,
                                                 std::uint64_t key_hash);

// Where the shared store lives: $ODBC_RETRY_STATE_DIR when set and not empty, else
// /dev/shm/odbc-retry-<uid> when /dev/shm exists, else /tmp/odbc-retry-<uid>. The per-user
// directories are created with mode 0700 and must belong to the user and not be writable by
// others (checked by SharedBreakerStore::open_default, which refuses them otherwise).
std::string default_state_directory();

}  // namespace odbcretry
