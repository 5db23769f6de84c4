// SPDX-License-Identifier: Apache-2.0
// Per-process stats files: how every process that uses odbc-retry publishes its per-target
// counters, budget and breaker without any cost on the hot path, and how `odbc-retry stats`
// reads them.
//
// Each process that connects through odbc-retry creates ONE file, named
// "stats-<pid>-<start>" (start: the process's start time in clock ticks since boot, field 22 of
// /proc/<pid>/stat, so that a reused pid never takes over a dead process's file), in the same
// directory as the shared circuit breaker table (default_state_directory(): $ODBC_RETRY_STATE_DIR,
// else /dev/shm/odbc-retry-<uid>). The file is mapped MAP_SHARED and holds a fixed table of
// slots, one per target the process has used. A target's TargetCounters and RetryBudget are
// constructed IN its slot, so the increments that connection.cpp and statement.cpp already make
// are the publication: no copy, no lock, no system call. A reader maps the file read-only.
//
// Liveness. The writer holds a shared flock() on the file for as long as it lives (an open file
// description, inherited by fork() children until they exec). A file is stale when its process
// is gone (kill(pid, 0) fails with ESRCH, or /proc/<pid>/stat shows another start time, or the
// host rebooted since) AND nobody holds the lock any more (a fork() child that still uses the
// inherited mapping keeps it). The reader removes stale files; the writer removes its own file
// when the process exits normally.
//
// Layout, host byte order, 64-byte aligned; the header's sizes let a reader refuse a file of
// another build instead of misreading it:
//   StatsHeader  (256 bytes)  magic, version, sizes, pid, start ticks, boot id, command, ...
//   StatsSlot[kStatsSlots]     state (0 free, 1 being set up, 2 ready), family, breaker
//                              settings and mode, creation time, TargetCounters, RetryBudget,
//                              the target's key text
// The file is created complete under a temporary name, locked and renamed into place, so a
// reader never sees half a header. Slots are claimed by the one writer process (under its mutex)
// and published with a release store of state = 2; readers load it with acquire.
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "shim/retry/budget.h"
#include "shim/retry/circuit_breaker.h"
#include "shim/retry/classifier.h"
#include "shim/shared/counters.h"

namespace odbcretry {

inline constexpr std::uint64_t kStatsMagic = 0x31415453524F444FULL;  // "ODORSTA1" little-endian
inline constexpr std::uint32_t kStatsFormatVersion = 1;
inline constexpr std::uint32_t kStatsSlots = 64;
inline constexpr std::size_t kStatsKeyBytes = 320;
inline constexpr std::size_t kStatsBudgetBytes = 64;
inline constexpr std::string_view kStatsFilePrefix = "stats-";
// StatsSlot::state.
inline constexpr std::uint32_t kSlotFree = 0;
inline constexpr std::uint32_t kSlotClaimed = 1;
inline constexpr std::uint32_t kSlotReady = 2;

// Where a target's breaker state lives, for the reader.
enum class BreakerMode : std::uint8_t {
    None = 0,    // no breaker (CircuitBreakerThreshold=0)
    Shared = 1,  // the shared table (breakers-v1 in the same directory), by key hash
    Slot = 2,    // this process's own breaker: the word is the slot's breaker_word
};

struct alignas(64) StatsHeader {
    std::uint64_t magic;  // written last (release), once everything else is in place
    std::uint32_t version;
    std::uint32_t header_bytes;
    std::uint32_t slot_bytes;
    std::uint32_t slot_count;
    std::uint32_t counters_bytes;
    std::uint32_t budget_bytes;
    std::int64_t pid;
    std::uint64_t start_ticks;     // the process's start time (see the file comment)
    std::int64_t created_unix_ms;  // when the file was created (wall clock)
    std::uint32_t overflow;        // targets that found no free slot (atomic_ref)
    std::uint32_t reserved0;
    char boot_id[40];  // /proc/sys/kernel/random/boot_id, NUL-terminated
    char command[64];  // the program's name (/proc/self/comm), NUL-terminated
    std::uint64_t reserved[8];
};
static_assert(sizeof(StatsHeader) == 256);

struct alignas(64) StatsSlot {
    std::uint32_t state;  // 0 free, 1 being set up, 2 ready (atomic_ref)
    std::uint8_t family;  // DriverFamily
    std::uint8_t breaker_mode;
    std::uint16_t key_length;
    std::int32_t breaker_threshold;
    std::int32_t budget_max_tokens;  // 0: the budget is off
    std::int64_t breaker_cooldown_ms;
    std::uint64_t breaker_key_hash;
    std::uint64_t breaker_word;  // BreakerMode::Slot: the breaker's state word (atomic_ref)
    std::int64_t created_unix_ms;
    std::uint64_t reserved[2];
    alignas(64) unsigned char counters[sizeof(TargetCounters)];  // a TargetCounters
    alignas(64) unsigned char budget[kStatsBudgetBytes];         // a RetryBudget
    char key[kStatsKeyBytes];                                    // not NUL-terminated
};
static_assert(sizeof(RetryBudget) <= kStatsBudgetBytes, "RetryBudget outgrew its slot space");
static_assert(alignof(RetryBudget) <= 64);
static_assert(alignof(TargetCounters) <= 64);

std::size_t stats_file_bytes();
// Whether a mapped stats file has this version's layout.
bool stats_header_matches(const StatsHeader& h);

// ---- the writer: this process's file ------------------------------------------------------

// What a target gets from the stats file: where its counters and budget live and how its
// breaker is published.
struct PublishedTarget {
    TargetCounters* counters = nullptr;
    RetryBudget* budget = nullptr;
    StatsSlot* slot = nullptr;
};

class StatsPublisher {
  public:
    // The file of this process, created on first use. Null (with `error` set the first time)
    // when it cannot be created; the caller then keeps its counters in memory.
    static StatsPublisher* for_this_process(std::string& error);

    // A slot for a new target: constructs its counters and budget there. Null when the table is
    // full (counted in the header's overflow). The slot is not visible to readers until
    // publish().
    std::optional<PublishedTarget> claim(std::string_view key, DriverFamily family,
                                         const BudgetSettings& budget);
    // Records how the breaker is kept, then makes the slot visible.
    void publish(StatsSlot* slot, BreakerMode mode, std::uint64_t key_hash,
                 const BreakerSettings& settings);

    const std::string& path() const { return path_; }
    std::int64_t pid() const { return pid_; }

    StatsPublisher(const StatsPublisher&) = delete;
    StatsPublisher& operator=(const StatsPublisher&) = delete;

  private:
    StatsPublisher(std::string path, int fd, void* mapping, std::int64_t pid)
        : path_(std::move(path)), fd_(fd), mapping_(mapping), pid_(pid) {}
    static StatsPublisher* create(std::string& error);

    std::string path_;
    [[maybe_unused]] int fd_;  // kept open for the process's lifetime: it holds the shared flock
    void* mapping_;
    std::int64_t pid_;
};

// A BreakerStore of one word: the slot's breaker_word, for a breaker that is not shared
// between processes but whose state `odbc-retry stats` should still see.
class SlotBreakerStore final : public BreakerStore {
  public:
    explicit SlotBreakerStore(std::uint64_t* word) : word_(word) {}
    std::uint64_t* state_word(std::uint64_t) override { return word_; }
    std::string description() const override { return "in-process"; }

  private:
    std::uint64_t* word_;
};

// ---- the reader ---------------------------------------------------------------------------

struct ProcessStats {
    std::int64_t pid = 0;
    std::uint64_t start_ticks = 0;
    std::int64_t created_unix_ms = 0;
    std::string command;
    std::string path;
    std::string directory;   // where the file is (and the shared breaker table with it)
    bool inherited = false;  // its process is gone, but a fork() child still holds the file
    std::uint32_t overflow = 0;
};

struct TargetStats {
    std::string key;
    DriverFamily family = DriverFamily::Generic;
    std::size_t process = 0;  // index into StatsScan::processes
    CounterValues counters{};
    BreakerMode breaker_mode = BreakerMode::None;
    std::uint64_t breaker_key_hash = 0;
    int breaker_threshold = 0;
    std::chrono::milliseconds breaker_cooldown{0};
    std::uint64_t breaker_word = 0;  // BreakerMode::Slot
    int budget_max_tokens = 0;       // 0: off
    double budget_tokens = 0;
    std::int64_t created_unix_ms = 0;
};

// TargetStats::process of a retired total (no live process).
inline constexpr std::size_t kRetiredProcess = static_cast<std::size_t>(-1);

struct StatsScan {
    std::string directory;
    std::vector<ProcessStats> processes;
    std::vector<TargetStats> targets;
    // The totals of processes that have exited, per target (process = kRetiredProcess): added
    // to the live processes' counters, they keep every sum monotonic.
    std::vector<TargetStats> retired;
    std::vector<std::string> removed;   // stale files removed by this scan
    std::vector<std::string> warnings;  // files skipped (another format, unreadable)
};

struct ScanOptions {
    bool remove_stale = true;
    std::optional<std::int64_t> only_pid;  // read only this process's file(s)
    bool read_retired = true;              // fill StatsScan::retired
};

// Reads every live process's file in `directory` (a missing directory is an empty result).
StatsScan scan_stats(const std::string& directory, const ScanOptions& options = {});
// ---- retired totals: monotonic counters ------------------------------------------------------
//
// When a process exits (normally: at exit; killed: when a reader finds its file stale), its
// counters are added, per target key, to the text file "retired-v1" of its directory, and its
// stats file is removed; both under an exclusive flock of "retired-v1.lock", which makes the
// fold happen once. The retired line keeps the target's breaker key hash, so `stats` shows the
// state of a shared breaker in the table whoever opened it, after every process of the target
// has exited.
//
// The file is bounded: it keeps the kRetiredTargetsMax targets folded most recently, in the order
// they were last folded (oldest first), and drops the oldest beyond that. A dropped target's
// series disappears from `stats`; should it come back, its counters start again from zero, which
// a Prometheus rate() reads as a counter reset.
inline constexpr std::string_view kRetiredFileName = "retired-v1";
inline constexpr std::size_t kRetiredTargetsMax = 1024;
// Folds the stats file at `path` into its directory's retired totals and removes it (when
// `known_fd` >= 0, only if the path is still that open file). False when it was not done
// (already retired by another, unreadable, or not a stats file of this format).
bool retire_stats_file(const std::string& path, int known_fd = -1);
std::vector<TargetStats> read_retired(const std::string& directory);

// Appends another scan (of another directory) to `into`.
void merge_scan(StatsScan& into, StatsScan&& other);

// ---- the breaker as `stats` shows it --------------------------------------------------------

struct BreakerView {
    bool known = false;  // false: no breaker, or its state cannot be read
    BreakerState state = BreakerState::Closed;
    bool probe_in_flight = false;
    int consecutive_failures = 0;
    // How long it has been open or half-open; unknown (nullopt) for a closed breaker, whose
    // state word keeps no time.
    std::optional<std::chrono::milliseconds> in_state;
    std::chrono::milliseconds retry_in{0};  // until a connect attempt may go through
};

// The breaker of `target` now: from the shared table in `directory` or from the slot.
BreakerView read_breaker(const TargetStats& target, const std::string& directory,
                         std::chrono::steady_clock::time_point now);

// ---- helpers shared by writer and reader ----------------------------------------------------

// Field 22 of /proc/<pid>/stat (start time in clock ticks since boot); nullopt when unreadable.
std::optional<std::uint64_t> process_start_ticks(std::int64_t pid);
// /proc/sys/kernel/random/boot_id, or "" when unreadable.
std::string current_boot_id();
// "stats-<pid>-<start>" -> pid, start; nullopt for any other name.
std::optional<std::pair<std::int64_t, std::uint64_t>> parse_stats_file_name(std::string_view name);

}  // namespace odbcretry
