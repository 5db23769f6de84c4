// SPDX-License-Identifier: Apache-2.0
#include <gtest/gtest.h>

#include "shim/retry/error_class.h"

namespace odbcretry {
namespace {

TEST(ErrorClassNames, RoundTrip) {
    EXPECT_EQ(to_string(ErrorClass::Transient), "transient");
    EXPECT_EQ(to_string(ErrorClass::ConnectionLost), "connection_lost");
    EXPECT_EQ(to_string(ErrorClass::RolledBack), "rolled_back");
    EXPECT_EQ(to_string(ErrorClass::Timeout), "timeout");
    EXPECT_EQ(to_string(ErrorClass::Fatal), "fatal");
    for (ErrorClass cls : kAllErrorClasses) EXPECT_EQ(parse_error_class(to_string(cls)), cls);
    EXPECT_EQ(parse_error_class("Connection_Lost"), ErrorClass::ConnectionLost);
    EXPECT_EQ(parse_error_class("connection-lost"), std::nullopt);
    EXPECT_EQ(parse_error_class(""), std::nullopt);
    EXPECT_EQ(parse_error_class("fatal "), std::nullopt);
}

TEST(ClassSetTest, AddRemoveContains) {
    ClassSet set{ErrorClass::Transient, ErrorClass::ConnectionLost};
    EXPECT_TRUE(set.contains(ErrorClass::Transient));
    EXPECT_TRUE(set.contains(ErrorClass::ConnectionLost));
    EXPECT_FALSE(set.contains(ErrorClass::Fatal));
    set.remove(ErrorClass::Transient).add(ErrorClass::Timeout);
    EXPECT_EQ(set, (ClassSet{ErrorClass::ConnectionLost, ErrorClass::Timeout}));
    EXPECT_TRUE(ClassSet{}.empty());
}

TEST(ClassSetTest, ParseAndFormat) {
    std::string bad;
    auto set = parse_class_set(" transient ; rolled_back,", &bad);
    ASSERT_TRUE(set);
    EXPECT_EQ(*set, (ClassSet{ErrorClass::Transient, ErrorClass::RolledBack}));
    EXPECT_EQ(to_string(*set), "transient,rolled_back");
    EXPECT_EQ(parse_class_set("none"), ClassSet{});
    EXPECT_EQ(parse_class_set(""), ClassSet{});
    EXPECT_EQ(to_string(ClassSet{}), "none");
    EXPECT_FALSE(parse_class_set("transient, deadlock", &bad));
    EXPECT_EQ(bad, "deadlock");
}

}  // namespace
}  // namespace odbcretry
