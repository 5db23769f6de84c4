// SPDX-License-Identifier: Apache-2.0
// Reading the stats files of a state directory (odbc-retry stats): the live processes' slots, the
// breakers they name, and the retired totals of processes that have exited.
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

// ---- reader -------------------------------------------------------------------------------------

namespace {

struct Mapped {
    int fd = -1;
    void* map = MAP_FAILED;
    std::size_t size = 0;
    ~Mapped() {
        if (map != MAP_FAILED) ::munmap(map, size);
        if (fd >= 0) ::close(fd);
    }
};

bool pid_alive(std::int64_t pid) {
    if (pid <= 0) return false;
    return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH;
}

// Removes `path` if it is still the file open as `fd` (not a newer file of the same name).
bool remove_if_same(const std::string& path, int fd) {
    struct stat by_fd {
    }, by_path{};
    if (::fstat(fd, &by_fd) != 0 || ::lstat(path.c_str(), &by_path) != 0) return false;
    if (by_fd.st_ino != by_path.st_ino || by_fd.st_dev != by_path.st_dev) return false;
    return ::unlink(path.c_str()) == 0;
}

// The ready slots of a mapped stats file, as TargetStats of process `index`.
void read_slots(const void* map, std::size_t index, std::vector<TargetStats>& targets) {
    const auto* slots = reinterpret_cast<const StatsSlot*>(static_cast<const unsigned char*>(map) +
                                                           sizeof(StatsHeader));
    for (std::uint32_t i = 0; i < kStatsSlots; ++i) {
        const StatsSlot& s = slots[i];
        if (std::atomic_ref<const std::uint32_t>(s.state).load(std::memory_order_acquire) !=
            kSlotReady)
            continue;
        TargetStats t;
        t.key.assign(s.key, std::min<std::size_t>(s.key_length, kStatsKeyBytes));
        t.family = s.family <= static_cast<std::uint8_t>(DriverFamily::Generic)
                       ? static_cast<DriverFamily>(s.family)
                       : DriverFamily::Generic;
        t.process = index;
        t.counters =
            load_counters(*std::launder(reinterpret_cast<const TargetCounters*>(s.counters)));
        t.breaker_mode =
            s.breaker_mode <= 2 ? static_cast<BreakerMode>(s.breaker_mode) : BreakerMode::None;
        t.breaker_key_hash = s.breaker_key_hash;
        t.breaker_threshold = s.breaker_threshold;
        t.breaker_cooldown = std::chrono::milliseconds(s.breaker_cooldown_ms);
        t.breaker_word =
            std::atomic_ref<const std::uint64_t>(s.breaker_word).load(std::memory_order_acquire);
        t.budget_max_tokens = s.budget_max_tokens;
        if (t.budget_max_tokens > 0)
            t.budget_tokens =
                std::launder(reinterpret_cast<const RetryBudget*>(s.budget))->tokens();
        t.created_unix_ms = s.created_unix_ms;
        targets.push_back(std::move(t));
    }
}

}  // namespace

StatsScan scan_stats(const std::string& directory, const ScanOptions& options) {
    StatsScan out;
    out.directory = directory;
    DIR* dir = ::opendir(directory.c_str());
    if (!dir) return out;
    std::vector<std::string> names;
    while (dirent* e = ::readdir(dir)) names.emplace_back(e->d_name);
    ::closedir(dir);
    std::sort(names.begin(), names.end());
    const std::string boot = current_boot_id();

    for (const std::string& name : names) {
        std::string_view base = name;
        const bool temp = base.size() > 4 && base.substr(base.size() - 4) == ".tmp";
        if (temp) base.remove_suffix(4);
        auto id = parse_stats_file_name(base);
        if (!id) continue;
        auto [pid, start] = *id;
        if (options.only_pid && *options.only_pid != pid) continue;
        const std::string path = directory + "/" + name;
        Mapped m;
        m.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (m.fd < 0) continue;  // removed meanwhile, or not ours to read
        struct stat st {};
        if (::fstat(m.fd, &st) != 0 || !S_ISREG(st.st_mode)) continue;

        const bool process_gone =
            !pid_alive(pid) || process_start_ticks(pid).value_or(start) != start;
        if (temp) {
            // A file its process never got to publish: garbage once that process is gone.
            if (process_gone && options.remove_stale && ::flock(m.fd, LOCK_EX | LOCK_NB) == 0 &&
                remove_if_same(path, m.fd))
                out.removed.push_back(path);
            continue;
        }
        bool readable = static_cast<std::size_t>(st.st_size) >= sizeof(StatsHeader);
        if (readable) {
            m.size = static_cast<std::size_t>(st.st_size);
            m.map = ::mmap(nullptr, m.size, PROT_READ, MAP_SHARED, m.fd, 0);
            readable = m.map != MAP_FAILED;
        }
        const StatsHeader* h = readable ? static_cast<const StatsHeader*>(m.map) : nullptr;
        const bool valid = h && m.size >= stats_file_bytes() && stats_header_matches(*h);
        bool other_boot = false;
        if (valid && h->boot_id[0] && !boot.empty())
            other_boot =
                std::string_view(h->boot_id, strnlen(h->boot_id, sizeof h->boot_id)) != boot;
        bool stale = false, inherited = false;
        if (process_gone || other_boot) {
            // Gone: unless a fork() child still holds the file (and the host did not reboot).
            if (other_boot || ::flock(m.fd, LOCK_EX | LOCK_NB) == 0)
                stale = true;
            else
                inherited = true;
        }
        if (stale) {
            // Its counters join the retired totals (under the directory's lock), then it goes.
            if (options.remove_stale && valid && retire_stats_file(path, m.fd))
                out.removed.push_back(path);
            else if (options.remove_stale && !valid && remove_if_same(path, m.fd))
                out.removed.push_back(path);
            continue;
        }
        if (!valid) {
            out.warnings.push_back(path +
                                   ": not a stats file of this version of odbc-retry; skipped");
            continue;
        }

        ProcessStats p;
        p.pid = pid;
        p.start_ticks = start;
        p.created_unix_ms = h->created_unix_ms;
        p.command = std::string(h->command, strnlen(h->command, sizeof h->command));
        p.path = path;
        p.directory = directory;
        p.inherited = inherited;
        p.overflow =
            std::atomic_ref<const std::uint32_t>(h->overflow).load(std::memory_order_relaxed);
        const std::size_t index = out.processes.size();
        out.processes.push_back(std::move(p));

        read_slots(m.map, index, out.targets);
    }
    if (options.read_retired) out.retired = read_retired(directory);
    return out;
}

void merge_scan(StatsScan& into, StatsScan&& other) {
    const std::size_t offset = into.processes.size();
    for (auto& p : other.processes) into.processes.push_back(std::move(p));
    for (auto& t : other.targets) {
        t.process += offset;
        into.targets.push_back(std::move(t));
    }
    for (auto& r : other.removed) into.removed.push_back(std::move(r));
    for (auto& r : other.retired) into.retired.push_back(std::move(r));
    for (auto& w : other.warnings) into.warnings.push_back(std::move(w));
    if (into.directory.empty()) into.directory = other.directory;
}

// ---- breakers -----------------------------------------------------------------------------------

namespace {

// Hands a CircuitBreaker a copy of a state word, so that its own logic interprets it.
class CopiedWordStore final : public BreakerStore {
  public:
    explicit CopiedWordStore(std::uint64_t word) : word_(word) {}
    std::uint64_t* state_word(std::uint64_t) override { return &word_; }
    std::string description() const override { return "copy"; }

  private:
    std::uint64_t word_;
};

}  // namespace

BreakerView read_breaker(const TargetStats& target, const std::string& directory,
                         std::chrono::steady_clock::time_point now) {
    BreakerView view;
    std::optional<std::uint64_t> word;
    if (target.breaker_mode == BreakerMode::Shared)
        word = peek_shared_breaker(directory, target.breaker_key_hash);
    else if (target.breaker_mode == BreakerMode::Slot)
        word = target.breaker_word;
    if (!word) return view;
    BreakerSettings settings;
    settings.enabled = true;
    settings.failure_threshold = std::max(1, target.breaker_threshold);
    settings.cooldown = target.breaker_cooldown;
    CopiedWordStore store(*word);
    CircuitBreaker breaker(settings, store, target.breaker_key_hash);
    CircuitBreaker::Snapshot s = breaker.snapshot(now);
    view.known = true;
    view.state = s.state;
    view.probe_in_flight = s.probe_in_flight;
    view.consecutive_failures = s.consecutive_failures;
    if (s.state != BreakerState::Closed)
        view.in_state = std::chrono::duration_cast<std::chrono::milliseconds>(now - s.since);
    view.retry_in = std::chrono::duration_cast<std::chrono::milliseconds>(s.retry_at - now);
    if (view.retry_in.count() < 0) view.retry_in = std::chrono::milliseconds(0);
    return view;
}

// ---- retired totals -------------------------------------------------------------------------

namespace {

std::string directory_of(const std::string& path) {
    std::size_t slash = path.rfind('/');
    return slash == std::string::npos ? std::string(".") : path.substr(0, slash);
}

// One line per target: family, breaker mode, key hash (hex), threshold, cooldown ms, the
// counters (comma-separated, kCounters order), then the key up to the end of the line.
std::string format_retired(const std::vector<TargetStats>& targets) {
    std::string out = "# odbc-retry: counters of processes that have exited, per target\n";
    for (const TargetStats& t : targets) {
        char head[160];
        std::snprintf(head, sizeof head, "%u\t%u\t%016llx\t%d\t%lld\t",
                      static_cast<unsigned>(t.family), static_cast<unsigned>(t.breaker_mode),
                      static_cast<unsigned long long>(t.breaker_key_hash), t.breaker_threshold,
                      static_cast<long long>(t.breaker_cooldown.count()));
        out += head;
        for (std::size_t i = 0; i < kCounterCount; ++i) {
            if (i) out += ',';
            out += std::to_string(t.counters[i]);
        }
        out += '\t';
        for (char c : t.key) out += (c == '\n' || c == '\r') ? ' ' : c;
        out += '\n';
    }
    return out;
}

std::vector<TargetStats> parse_retired(const std::string& text) {
    std::vector<TargetStats> out;
    std::size_t start = 0;
    while (start < text.size()) {
        std::size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        std::string line = text.substr(start, end - start);
        start = end + 1;
        if (line.empty() || line[0] == '#') continue;
        unsigned family = 0, mode = 0;
        unsigned long long hash = 0;
        int threshold = 0;
        long long cooldown = 0;
        int consumed = 0;
        if (std::sscanf(line.c_str(), "%u\t%u\t%llx\t%d\t%lld\t%n", &family, &mode, &hash,
                        &threshold, &cooldown, &consumed) != 5 ||
            consumed <= 0)
            continue;
        std::string rest = line.substr(static_cast<std::size_t>(consumed));
        std::size_t tab = rest.find('\t');
        if (tab == std::string::npos) continue;
        TargetStats t;
        t.family = family <= static_cast<unsigned>(DriverFamily::Generic)
                       ? static_cast<DriverFamily>(family)
                       : DriverFamily::Generic;
        t.breaker_mode = mode <= 2 ? static_cast<BreakerMode>(mode) : BreakerMode::None;
        // A process's own breaker (Slot) ended with it: nothing left to show.
        if (t.breaker_mode == BreakerMode::Slot) t.breaker_mode = BreakerMode::None;
        t.breaker_key_hash = hash;
        t.breaker_threshold = threshold;
        t.breaker_cooldown = std::chrono::milliseconds(cooldown);
        t.process = kRetiredProcess;
        std::string counters = rest.substr(0, tab);
        std::size_t i = 0, pos = 0;
        while (i < kCounterCount && pos <= counters.size()) {
            std::size_t comma = counters.find(',', pos);
            if (comma == std::string::npos) comma = counters.size();
            t.counters[i++] = std::strtoull(counters.c_str() + pos, nullptr, 10);
            pos = comma + 1;
        }
        t.key = rest.substr(tab + 1);
        out.push_back(std::move(t));
    }
    return out;
}

std::string read_whole(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text;
}

}  // namespace

std::vector<TargetStats> read_retired(const std::string& directory) {
    return parse_retired(read_whole(directory + "/" + std::string(kRetiredFileName)));
}

bool retire_stats_file(const std::string& path, int known_fd) {
    const std::string directory = directory_of(path);
    const std::string lock_path = directory + "/" + std::string(kRetiredFileName) + ".lock";
    int lock = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (lock < 0) return false;
    while (::flock(lock, LOCK_EX) != 0 && errno == EINTR) {
    }
    bool done = false;
    // Under the lock, the file is folded in and removed at most once: whoever comes second
    // (the exiting process or a reader that found it stale) finds it gone.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    struct stat st {
    }, known{};
    const bool same = fd >= 0 && ::fstat(fd, &st) == 0 &&
                      (known_fd < 0 || (::fstat(known_fd, &known) == 0 &&
                                        known.st_ino == st.st_ino && known.st_dev == st.st_dev));
    if (same && static_cast<std::size_t>(st.st_size) >= stats_file_bytes()) {
        void* map = ::mmap(nullptr, stats_file_bytes(), PROT_READ, MAP_SHARED, fd, 0);
        if (map != MAP_FAILED) {
            if (stats_header_matches(*static_cast<const StatsHeader*>(map))) {
                std::vector<TargetStats> exited;
                read_slots(map, kRetiredProcess, exited);
                std::vector<TargetStats> totals = read_retired(directory);
                for (const TargetStats& e : exited) {
                    auto it = std::find_if(totals.begin(), totals.end(),
                                           [&](const TargetStats& t) { return t.key == e.key; });
                    if (it == totals.end()) {
                        totals.push_back(e);
                        continue;
                    }
                    // Most recently folded last: the oldest are the first to go below.
                    std::rotate(it, it + 1, totals.end());
                    it = totals.end() - 1;
                    for (std::size_t i = 0; i < kCounterCount; ++i)
                        it->counters[i] += e.counters[i];
                    if (e.breaker_mode == BreakerMode::Shared ||
                        it->breaker_mode != BreakerMode::Shared) {
                        it->breaker_mode = e.breaker_mode;
                        it->breaker_key_hash = e.breaker_key_hash;
                        it->breaker_threshold = e.breaker_threshold;
                        it->breaker_cooldown = e.breaker_cooldown;
                    }
                    it->family = e.family;
                }
                if (totals.size() > kRetiredTargetsMax)
                    totals.erase(totals.begin(),
                                 totals.begin() + static_cast<std::ptrdiff_t>(totals.size() -
                                                                              kRetiredTargetsMax));
                const std::string final_path = directory + "/" + std::string(kRetiredFileName);
                const std::string temp = final_path + ".tmp";
                int out = ::open(temp.c_str(),
                                 O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (out >= 0) {
                    const std::string text = format_retired(totals);
                    bool ok =
                        ::write(out, text.data(), text.size()) == static_cast<ssize_t>(text.size());
                    ::close(out);
                    done = ok && ::rename(temp.c_str(), final_path.c_str()) == 0;
                }
            }
            ::munmap(map, stats_file_bytes());
        }
    }
    if (done) done = ::unlink(path.c_str()) == 0;
    if (fd >= 0) ::close(fd);
    ::close(lock);
    return done;
}

}  // namespace odbcretry
