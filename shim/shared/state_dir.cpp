// SPDX-License-Identifier: Apache-2.0
#include "shim/shared/state_dir.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace odbcretry {

std::string errno_text(const std::string& what, const std::string& path) {
    return what + " " + path + ": " + std::strerror(errno);
}

bool prepare_state_directory(const std::string& directory, bool private_dir, const char* purpose,
                             std::string& error) {
    if (directory.empty()) {
        error = std::string("no directory for ") + purpose;
        return false;
    }
    if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST) {
        error = errno_text("cannot create directory", directory);
        return false;
    }
    struct stat st {};
    if ((private_dir ? ::lstat(directory.c_str(), &st) : ::stat(directory.c_str(), &st)) != 0) {
        error = errno_text("cannot inspect", directory);
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        error = directory + " is not a directory";
        return false;
    }
    if (private_dir && (st.st_uid != ::geteuid() || (st.st_mode & 022) != 0)) {
        error = directory + " must belong to this user and not be writable by others";
        return false;
    }
    return true;
}

}  // namespace odbcretry
