// SPDX-License-Identifier: Apache-2.0
#include "shim/shared/breaker_store.h"

#include "shim/shared/state_dir.h"

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace odbcretry {
namespace {

static_assert(std::atomic_ref<std::uint64_t>::is_always_lock_free,
              "the breaker table needs lock-free 64-bit atomics (shared between processes)");

constexpr std::uint64_t kMagic = 0x314B52424F52444FULL;  // the bytes "ODROBRK1" on little-endian
constexpr std::uint64_t kVersion = 1;
constexpr std::size_t kHeaderWords = 8;
constexpr std::size_t kSlotWords = 4;
constexpr std::size_t kKeyWord = 0;
constexpr std::size_t kStateWord = 1;

std::size_t table_bytes(std::uint32_t slots) {
    return (kHeaderWords + std::size_t{slots} * kSlotWords) * sizeof(std::uint64_t);
}

constexpr std::size_t kUsedWord = 2;  // steady_clock ms of the last use + 1 (0: not known)

// Linear probing over `slots` slots of kSlotWords words starting at `base`. Claims a free slot
// with a compare-and-swap on its key word, so two processes never claim the same slot for
// different keys. When none is free, a slot whose breaker is closed with no failures and that
// nobody used for `idle` is taken over: the table is bounded in space, and a new target waits
// at most that long for a breaker (its old owner finds a slot again at its next use).
std::uint64_t* find_or_claim(std::uint64_t* base, std::uint32_t slots, std::uint64_t key,
                             Clock& clock, std::chrono::milliseconds idle) {
    if (slots == 0) return nullptr;
    if (key == 0) key = 1;  // 0 marks a free slot
    const std::uint64_t now = static_cast<std::uint64_t>(to_steady_ms(clock.now())) + 1;
    auto mark_used = [now](std::uint64_t* slot) {
        std::atomic_ref<std::uint64_t> used(slot[kUsedWord]);
        // At most one write a second: lookups stay reads.
        if (used.load(std::memory_order_relaxed) + 1000 <= now)
            used.store(now, std::memory_order_relaxed);
    };
    const std::uint64_t start = key % slots;
    for (std::uint64_t i = 0; i < slots; ++i) {
        std::uint64_t* slot = base + ((start + i) % slots) * kSlotWords;
        std::atomic_ref<std::uint64_t> slot_key(slot[kKeyWord]);
        std::uint64_t seen = slot_key.load(std::memory_order_acquire);
        if (seen == 0) {
            if (slot_key.compare_exchange_strong(seen, key, std::memory_order_acq_rel)) seen = key;
        }
        if (seen == key) {
            mark_used(slot);
            return &slot[kStateWord];
        }
    }
    const auto idle_ms = static_cast<std::uint64_t>(idle.count());
    for (std::uint64_t i = 0; i < slots; ++i) {
        std::uint64_t* slot = base + ((start + i) % slots) * kSlotWords;
        std::atomic_ref<std::uint64_t> used(slot[kUsedWord]);
        std::uint64_t last = used.load(std::memory_order_relaxed);
        if (last == 0) {
            // Claimed by a version that did not record use: idle from now on.
            used.compare_exchange_strong(last, now, std::memory_order_relaxed);
            continue;
        }
        if (last + idle_ms > now) continue;
        if (std::atomic_ref<std::uint64_t>(slot[kStateWord]).load(std::memory_order_acquire) != 0)
            continue;  // open, probing or counting failures: still someone's
        std::atomic_ref<std::uint64_t> slot_key(slot[kKeyWord]);
        std::uint64_t old = slot_key.load(std::memory_order_acquire);
        if (old != key && slot_key.compare_exchange_strong(old, key, std::memory_order_acq_rel)) {
            used.store(now, std::memory_order_relaxed);
            return &slot[kStateWord];
        }
    }
    return nullptr;
}

void write_header(std::uint64_t* words, std::uint32_t slots) {
    words[1] = kVersion;
    words[2] = slots;
    words[3] = kSlotWords;
    std::atomic_ref<std::uint64_t>(words[0]).store(kMagic, std::memory_order_release);
}

bool header_valid(std::uint64_t* words, std::uint32_t slots) {
    return std::atomic_ref<std::uint64_t>(words[0]).load(std::memory_order_acquire) == kMagic &&
           words[1] == kVersion && words[2] == slots && words[3] == kSlotWords;
}

// Writes a complete, empty table under a temporary name, then links it into place: with
// `replace`, over whatever is there (rename); otherwise only if nothing is there yet (link;
// losing that race to another process is fine, its file is as good).
bool create_table_file(const std::string& path, std::uint32_t slots, bool replace,
                       std::string& error) {
    static std::atomic<unsigned> counter{0};
    const std::string temp = path + ".tmp-" + std::to_string(::getpid()) + "-" +
                             std::to_string(counter.fetch_add(1, std::memory_order_relaxed));
    int fd = ::open(temp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        error = errno_text("cannot create", temp);
        return false;
    }
    const std::size_t size = table_bytes(slots);
    bool ok = ::ftruncate(fd, static_cast<off_t>(size)) == 0;
    if (ok) {
        void* map = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        ok = map != MAP_FAILED;
        if (ok) {
            write_header(static_cast<std::uint64_t*>(map), slots);
            ::munmap(map, size);
        }
    }
    if (!ok) error = errno_text("cannot initialise", temp);
    ::close(fd);
    if (ok) {
        if (replace) {
            if (::rename(temp.c_str(), path.c_str()) != 0) {
                error = errno_text("cannot replace", path);
                ok = false;
            }
        } else if (::link(temp.c_str(), path.c_str()) != 0 && errno != EEXIST) {
            error = errno_text("cannot create", path);
            ok = false;
        }
    }
    ::unlink(temp.c_str());  // after a rename there is nothing left to remove: harmless
    return ok;
}

}  // namespace

InProcessBreakerStore::InProcessBreakerStore(std::uint32_t slots)
    : slot_count_(slots), words_(new std::uint64_t[std::size_t{slots} * kSlotWords]()) {}

std::uint64_t* InProcessBreakerStore::state_word(std::uint64_t key_hash) {
    return find_or_claim(words_.get(), slot_count_, key_hash, *clock_, idle_);
}

std::unique_ptr<SharedBreakerStore> SharedBreakerStore::open(const std::string& directory,
                                                             std::string& error,
                                                             std::uint32_t slots) {
    return open_in(directory, /*private_dir=*/false, error, slots);
}

std::unique_ptr<SharedBreakerStore> SharedBreakerStore::open_default(std::string& error,
                                                                     std::uint32_t slots) {
    const char* env = std::getenv("ODBC_RETRY_STATE_DIR");
    return open_in(default_state_directory(), /*private_dir=*/!(env && *env), error, slots);
}

std::unique_ptr<SharedBreakerStore> SharedBreakerStore::open_in(const std::string& directory,
                                                                bool private_dir,
                                                                std::string& error,
                                                                std::uint32_t slots) {
    if (!prepare_state_directory(directory, private_dir, "the shared circuit breaker state", error))
        return nullptr;
    const std::string path = directory + "/" + std::string(kFileName);
    const std::size_t size = table_bytes(slots);

    // Each round either returns, fails, or puts a fresh file in place for the next one.
    for (int round = 0; round < 4; ++round) {
        int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
            if (errno != ENOENT) {
                error = errno_text("cannot open", path);
                return nullptr;
            }
            if (!create_table_file(path, slots, /*replace=*/false, error)) return nullptr;
            continue;
        }
        struct stat st {};
        if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) {
            error = path + " is not a regular file of this user";
            ::close(fd);
            return nullptr;
        }
        void* map = MAP_FAILED;
        if (static_cast<std::size_t>(st.st_size) == size)
            map = ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        ::close(fd);  // the mapping keeps the file
        if (map != MAP_FAILED) {
            if (header_valid(static_cast<std::uint64_t*>(map), slots))
                return std::unique_ptr<SharedBreakerStore>(
                    new SharedBreakerStore(path, map, size, slots));
            ::munmap(map, size);
        }
        // Too small, too big, or not our table: start afresh.
        if (!create_table_file(path, slots, /*replace=*/true, error)) return nullptr;
    }
    error = "cannot set up a valid circuit breaker table in " + path;
    return nullptr;
}

SharedBreakerStore::~SharedBreakerStore() {
    ::munmap(mapping_, size_);
}

std::uint64_t* SharedBreakerStore::state_word(std::uint64_t key_hash) {
    return find_or_claim(static_cast<std::uint64_t*>(mapping_) + kHeaderWords, slot_count_,
                         key_hash, *clock_, idle_);
}

std::optional<std::uint64_t> peek_shared_breaker(const std::string& directory, std::uint64_t key) {
    const std::string path = directory + "/" + std::string(SharedBreakerStore::kFileName);
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return std::nullopt;
    struct stat st {};
    void* map = MAP_FAILED;
    std::size_t size = 0;
    if (::fstat(fd, &st) == 0 && static_cast<std::size_t>(st.st_size) >= kHeaderWords * 8) {
        size = static_cast<std::size_t>(st.st_size);
        map = ::mmap(nullptr, size, PROT_READ, MAP_SHARED, fd, 0);
    }
    ::close(fd);
    if (map == MAP_FAILED) return std::nullopt;
    std::optional<std::uint64_t> word;
    const auto* words = static_cast<const std::uint64_t*>(map);
    auto load = [](const std::uint64_t& w) {
        return std::atomic_ref<const std::uint64_t>(w).load(std::memory_order_acquire);
    };
    const std::uint64_t slots = words[2], per_slot = words[3];
    if (load(words[0]) == kMagic && words[1] == kVersion && slots != 0 && per_slot > kStateWord &&
        (kHeaderWords + slots * per_slot) * 8 <= size) {
        if (key == 0) key = 1;  // as find_or_claim
        const std::uint64_t first = key % slots;
        word = 0;  // never claimed: a closed breaker that never failed
        for (std::uint64_t i = 0; i < slots; ++i) {
            const std::uint64_t* slot = words + kHeaderWords + ((first + i) % slots) * per_slot;
            const std::uint64_t seen = load(slot[kKeyWord]);
            if (seen == 0) break;
            if (seen == key) {
                word = load(slot[kStateWord]);
                break;
            }
        }
    }
    ::munmap(map, size);
    return word;
}

std::string default_state_directory() {
    if (const char* env = std::getenv("ODBC_RETRY_STATE_DIR"); env && *env) return env;
    const std::string suffix = "/odbc-retry-" + std::to_string(::geteuid());
    struct stat st {};
    if (::stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode)) return "/dev/shm" + suffix;
    return "/tmp" + suffix;
}

}  // namespace odbcretry
