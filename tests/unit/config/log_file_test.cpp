// SPDX-License-Identifier: Apache-2.0
// The log file: private to its owner, never opened through a symbolic link.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "shim/config/log.h"

namespace odbcretry {
namespace {

namespace fs = std::filesystem;

class LogFileTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "odbc-retry-log-XXXXXX").string();
        ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
        dir_ = pattern;
    }
    void TearDown() override {
        configure("off", "");  // let go of the file
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    static void configure(const std::string& level, const std::string& file) {
        ResolvedConfig config;
        config.settings.log_level = level;
        config.settings.log_file = file;
        configure_logging(config);
    }
    static std::string read(const std::string& path) {
        std::ifstream in(path);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }
    std::string dir_;
};

TEST_F(LogFileTest, CreatedReadableByItsOwnerOnly) {
    const mode_t old = ::umask(022);  // the usual umask: without care the file is 0644
    const std::string path = dir_ + "/odbc-retry.log";
    configure("info", path);
    logger().info("a line");
    ::umask(old);
    struct stat st {};
    ASSERT_EQ(0, ::stat(path.c_str(), &st));
    EXPECT_EQ(0600u, st.st_mode & 0777u);
    EXPECT_NE(std::string::npos, read(path).find("a line"));
}

TEST_F(LogFileTest, NeverWritesThroughASymbolicLink) {
    const std::string victim = dir_ + "/victim";
    const std::string link = dir_ + "/odbc-retry.log";
    std::ofstream(victim) << "untouched\n";
    ASSERT_EQ(0, ::symlink(victim.c_str(), link.c_str()));
    configure("info", link);
    logger().info("must not reach the link's target");
    EXPECT_EQ("untouched\n", read(victim));
}

}  // namespace
}  // namespace odbcretry
