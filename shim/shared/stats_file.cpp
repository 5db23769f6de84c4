// SPDX-License-Identifier: Apache-2.0
#include "shim/shared/stats_file.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <mutex>
#include <new>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shim/shared/breaker_store.h"
#include "shim/retry/clock.h"
#include "shim/shared/state_dir.h"

namespace odbcretry {
namespace {

static_assert(std::atomic_ref<std::uint32_t>::is_always_lock_free);
static_assert(std::atomic_ref<std::uint64_t>::is_always_lock_free);

std::int64_t unix_ms_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

StatsHeader* header_of(void* mapping) {
    return static_cast<StatsHeader*>(mapping);
}
StatsSlot* slots_of(void* mapping) {
    return reinterpret_cast<StatsSlot*>(static_cast<unsigned char*>(mapping) + sizeof(StatsHeader));
}

void copy_text(char* out, std::size_t capacity, std::string_view text) {
    std::size_t n = std::min(text.size(), capacity - 1);
    std::memcpy(out, text.data(), n);
    out[n] = '\0';
}

std::string read_small_file(const char* path) {
    std::ifstream in(path);
    std::string line;
    if (in) std::getline(in, line);
    return line;
}

// Retires this process's file at a normal exit (and when the library is unloaded: a reloaded
// library starts a fresh file). A fork() child that exits leaves its parent's file alone.
struct ExitCleanup {
    std::mutex mutex;
    std::string path;
    std::int64_t pid = 0;
    ~ExitCleanup() {
        // The counters go into the directory's retired totals, so that sums never go down.
        if (!path.empty() && pid == ::getpid() && !retire_stats_file(path)) ::unlink(path.c_str());
    }
};
ExitCleanup exit_cleanup;

}  // namespace

std::size_t stats_file_bytes() {
    return sizeof(StatsHeader) + std::size_t{kStatsSlots} * sizeof(StatsSlot);
}

bool stats_header_matches(const StatsHeader& h) {
    return std::atomic_ref<const std::uint64_t>(h.magic).load(std::memory_order_acquire) ==
               kStatsMagic &&
           h.version == kStatsFormatVersion && h.header_bytes == sizeof(StatsHeader) &&
           h.slot_bytes == sizeof(StatsSlot) && h.slot_count == kStatsSlots &&
           h.counters_bytes == sizeof(TargetCounters) && h.budget_bytes == sizeof(RetryBudget);
}

std::optional<std::uint64_t> process_start_ticks(std::int64_t pid) {
    std::string path = "/proc/" + std::to_string(pid) + "/stat";
    std::ifstream in(path);
    if (!in) return std::nullopt;
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // The command name (field 2) is in parentheses and may hold spaces and ')': fields are
    // counted after the last ')'.
    std::size_t close = text.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::size_t pos = close + 1;
    // After ')' comes field 3; field 22 is the 20th after it.
    for (int field = 3; field <= 22; ++field) {
        while (pos < text.size() && text[pos] == ' ') ++pos;
        std::size_t end = text.find(' ', pos);
        if (end == std::string::npos) end = text.size();
        if (field == 22) {
            std::uint64_t value = 0;
            for (std::size_t i = pos; i < end; ++i) {
                if (text[i] < '0' || text[i] > '9') return std::nullopt;
                value = value * 10 + static_cast<std::uint64_t>(text[i] - '0');
            }
            return end > pos ? std::optional<std::uint64_t>(value) : std::nullopt;
        }
        pos = end;
    }
    return std::nullopt;
}

std::string current_boot_id() {
    return read_small_file("/proc/sys/kernel/random/boot_id");
}

std::optional<std::pair<std::int64_t, std::uint64_t>> parse_stats_file_name(std::string_view name) {
    if (name.substr(0, kStatsFilePrefix.size()) != kStatsFilePrefix) return std::nullopt;
    name.remove_prefix(kStatsFilePrefix.size());
    std::size_t dash = name.find('-');
    if (dash == std::string_view::npos || dash == 0 || dash + 1 >= name.size()) return std::nullopt;
    auto number = [](std::string_view s, std::uint64_t& out) {
        if (s.empty() || s.size() > 19) return false;
        out = 0;
        for (char c : s) {
            if (c < '0' || c > '9') return false;
            out = out * 10 + static_cast<std::uint64_t>(c - '0');
        }
        return true;
    };
    std::uint64_t pid = 0, start = 0;
    if (!number(name.substr(0, dash), pid) || !number(name.substr(dash + 1), start) || pid == 0)
        return std::nullopt;
    return std::make_pair(static_cast<std::int64_t>(pid), start);
}

// ---- writer -------------------------------------------------------------------------------------

StatsPublisher* StatsPublisher::create(std::string& error) {
    const char* env = std::getenv("ODBC_RETRY_STATE_DIR");
    const std::string directory = default_state_directory();
    if (!prepare_state_directory(directory, !(env && *env), "the stats file", error))
        return nullptr;

    const std::int64_t pid = ::getpid();
    const std::uint64_t start = process_start_ticks(pid).value_or(0);
    const std::string path = directory + "/" + std::string(kStatsFilePrefix) + std::to_string(pid) +
                             "-" + std::to_string(start);
    const std::string temp = path + ".tmp";
    ::unlink(temp.c_str());  // a leftover of this very process (a library loaded before)
    int fd = ::open(temp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        error = errno_text("cannot create", temp);
        return nullptr;
    }
    const std::size_t size = stats_file_bytes();
    void* map = MAP_FAILED;
    if (::ftruncate(fd, static_cast<off_t>(size)) == 0)
        map = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (map == MAP_FAILED) {
        error = errno_text("cannot set up", temp);
        ::close(fd);
        ::unlink(temp.c_str());
        return nullptr;
    }
    StatsHeader* h = header_of(map);
    h->version = kStatsFormatVersion;
    h->header_bytes = sizeof(StatsHeader);
    h->slot_bytes = sizeof(StatsSlot);
    h->slot_count = kStatsSlots;
    h->counters_bytes = sizeof(TargetCounters);
    h->budget_bytes = sizeof(RetryBudget);
    h->pid = pid;
    h->start_ticks = start;
    h->created_unix_ms = unix_ms_now();
    copy_text(h->boot_id, sizeof h->boot_id, current_boot_id());
    copy_text(h->command, sizeof h->command, read_small_file("/proc/self/comm"));
    std::atomic_ref<std::uint64_t>(h->magic).store(kStatsMagic, std::memory_order_release);
    // Locked before it gets its name: a reader never finds it unlocked while we live.
    if (::flock(fd, LOCK_SH | LOCK_NB) != 0 || ::rename(temp.c_str(), path.c_str()) != 0) {
        error = errno_text("cannot publish", path);
        ::munmap(map, size);
        ::close(fd);
        ::unlink(temp.c_str());
        return nullptr;
    }
    {
        std::lock_guard lock(exit_cleanup.mutex);
        exit_cleanup.path = path;
        exit_cleanup.pid = pid;
    }
    return new StatsPublisher(path, fd, map, pid);  // lives as long as the process
}

StatsPublisher* StatsPublisher::for_this_process(std::string& error) {
    static std::mutex mutex;
    static StatsPublisher* current = nullptr;
    static std::int64_t failed_for_pid = 0;
    std::lock_guard lock(mutex);
    const std::int64_t pid = ::getpid();
    // A fork() child keeps the targets it inherited (their counters stay in the parent's
    // file, which it also keeps locked); its new targets go into a file of its own.
    if (current && current->pid_ == pid) return current;
    if (failed_for_pid == pid) return nullptr;
    current = create(error);
    if (!current) failed_for_pid = pid;
    return current;
}

std::optional<PublishedTarget> StatsPublisher::claim(std::string_view key, DriverFamily family,
                                                     const BudgetSettings& budget) {
    StatsSlot* slots = slots_of(mapping_);
    for (std::uint32_t i = 0; i < kStatsSlots; ++i) {
        StatsSlot& s = slots[i];
        std::uint32_t expected = kSlotFree;
        if (!std::atomic_ref<std::uint32_t>(s.state).compare_exchange_strong(
                expected, kSlotClaimed, std::memory_order_acq_rel))
            continue;
        s.family = static_cast<std::uint8_t>(family);
        std::size_t n = std::min(key.size(), kStatsKeyBytes);
        std::memcpy(s.key, key.data(), n);
        s.key_length = static_cast<std::uint16_t>(n);
        s.budget_max_tokens = budget.enabled ? budget.max_tokens : 0;
        s.created_unix_ms = unix_ms_now();
        PublishedTarget out;
        out.counters = new (s.counters) TargetCounters();
        out.budget = new (s.budget) RetryBudget(budget);
        out.slot = &s;
        return out;
    }
    std::atomic_ref<std::uint32_t>(header_of(mapping_)->overflow)
        .fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
}

void StatsPublisher::publish(StatsSlot* slot, BreakerMode mode, std::uint64_t key_hash,
                             const BreakerSettings& settings) {
    slot->breaker_mode = static_cast<std::uint8_t>(mode);
    slot->breaker_key_hash = key_hash;
    slot->breaker_threshold = settings.failure_threshold;
    slot->breaker_cooldown_ms = settings.cooldown.count();
    std::atomic_ref<std::uint32_t>(slot->state).store(kSlotReady, std::memory_order_release);
}

}  // namespace odbcretry
