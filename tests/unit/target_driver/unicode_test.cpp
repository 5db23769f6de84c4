// SPDX-License-Identifier: Apache-2.0
// UTF-8 <-> UTF-16 conversion and copying text into application buffers.
#include <gtest/gtest.h>

#include <string>

#include "shim/target_driver/text.h"
#include "shim/target_driver/unicode.h"

namespace odbcretry {
namespace {

WString w(std::u16string_view s) {
    return WString(s.begin(), s.end());
}

std::string hex(const WString& s) {
    std::string out;
    char buf[8];
    for (SQLWCHAR c : s) {
        snprintf(buf, sizeof buf, "%04X ", static_cast<unsigned>(c));
        out += buf;
    }
    return out;
}

std::string hex(std::string_view s) {
    std::string out;
    char buf[8];
    for (unsigned char c : s) {
        snprintf(buf, sizeof buf, "%02X ", c);
        out += buf;
    }
    return out;
}

constexpr SQLWCHAR kReplacement = 0xFFFD;
const std::string kReplacementUtf8 = "\xEF\xBF\xBD";

TEST(Unicode, RoundTripsEveryPlane) {
    const std::string texts[] = {
        "",
        "plain ASCII; with = and {braces}",
        "h\xC3\xA9llo",                          // é: 2 bytes
        "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E",  // 日本語: 3 bytes each
        "\xF0\x9F\x98\x80 grin",                 // U+1F600: 4 bytes, a surrogate pair
        "\xF4\x8F\xBF\xBF",                      // U+10FFFF, the last code point
        "\xEF\xBF\xBF",                          // U+FFFF
        "\xEE\x80\x80",                          // U+E000, just past the surrogates
    };
    for (const std::string& text : texts) {
        WString wide = to_utf16(text);
        EXPECT_EQ(to_utf8(wide), text) << hex(text) << " -> " << hex(wide);
    }
}

TEST(Unicode, SurrogatePairsAreEncodedAndDecoded) {
    EXPECT_EQ(to_utf16("\xF0\x9F\x98\x80"), w(u"\xD83D\xDE00"));
    EXPECT_EQ(to_utf16("\xF4\x8F\xBF\xBF"), w(u"\xDBFF\xDFFF"));
    EXPECT_EQ(to_utf8(w(u"\xD83D\xDE00")), "\xF0\x9F\x98\x80");
    EXPECT_EQ(to_utf8(w(u"a\xD800\xDC00z")), "a\xF0\x90\x80\x80z");
}

TEST(Unicode, LengthArgumentCountsUnits) {
    const SQLWCHAR wide[] = {'a', 'b', 'c', 0};
    EXPECT_EQ(to_utf8(wide, SQL_NTS), "abc");
    EXPECT_EQ(to_utf8(wide, 2), "ab");
    EXPECT_EQ(to_utf8(wide, 0), "");
    const SQLCHAR narrow[] = "h\xC3\xA9llo";
    EXPECT_EQ(to_utf16(narrow, SQL_NTS), w(u"h\u00E9llo"));
    EXPECT_EQ(to_utf16(narrow, 3), w(u"h\u00E9"));
    EXPECT_EQ(to_utf8(static_cast<const SQLWCHAR*>(nullptr), SQL_NTS), "");
    EXPECT_EQ(to_utf16(static_cast<const SQLCHAR*>(nullptr), SQL_NTS), WString());
    EXPECT_EQ(wide_length(wide), 3u);
    EXPECT_EQ(wide_length(nullptr), 0u);
}

TEST(Unicode, EmbeddedNulIsKeptWhenALengthIsGiven) {
    const SQLWCHAR wide[] = {'a', 0, 'b'};
    EXPECT_EQ(to_utf8(wide, 3), std::string("a\0b", 3));
}

TEST(Unicode, InvalidUtf8IsReplacedAndTheRestKept) {
    struct Case {
        std::string input;
        const char* what;
    };
    const Case cases[] = {
        {"a\xFF"
         "b",
         "byte FF"},
        {"a\x80"
         "b",
         "lone continuation byte"},
        {"a\xC3"
         "b",
         "2-byte sequence cut short"},
        {"a\xE6\x97"
         "b",
         "3-byte sequence cut short"},
        {"a\xF0\x9F\x98"
         "b",
         "4-byte sequence cut short"},
        {"a\xED\xA0\x80"
         "b",
         "UTF-8 encoded surrogate D800"},
        {"a\xF4\x90\x80\x80"
         "b",
         "beyond U+10FFFF"},
        {"a\xF8\x88\x80\x80\x80"
         "b",
         "5-byte form"},
        {"a\xE6", "truncated at the end"},
    };
    for (const Case& c : cases) {
        WString wide = to_utf16(c.input);
        ASSERT_FALSE(wide.empty()) << c.what;
        EXPECT_EQ(wide.front(), u'a') << c.what << ": " << hex(wide);
        EXPECT_NE(wide.find(kReplacement), WString::npos) << c.what << ": " << hex(wide);
        if (c.input.back() == 'b') {
            EXPECT_EQ(wide.back(), u'b') << c.what << ": " << hex(wide);
        }
        for (SQLWCHAR unit : wide)
            EXPECT_TRUE(unit < 0xD800 || unit > 0xDFFF)
                << c.what << " produced a surrogate: " << hex(wide);
    }
}

// Overlong forms are invalid UTF-8 (RFC 3629): "\xC0\xAF" must not become '/'.
TEST(Unicode, OverlongUtf8IsReplaced) {
    struct Case {
        std::string input;
        const char* what;
    };
    const Case cases[] = {
        {"\xC0\xAF", "overlong '/' in 2 bytes"},
        {"\xC1\xBF", "overlong U+007F in 2 bytes"},
        {"\xE0\x80\xAF", "overlong '/' in 3 bytes"},
        {"\xF0\x82\x82\xAC", "overlong U+20AC in 4 bytes"},
        {"\xC0\x80", "overlong NUL"},
    };
    for (const Case& c : cases) {
        WString wide = to_utf16(c.input);
        ASSERT_FALSE(wide.empty()) << c.what;
        EXPECT_EQ(wide.front(), kReplacement)
            << c.what << ": " << hex(c.input) << " -> " << hex(wide);
    }
}

TEST(Unicode, LoneSurrogatesAreReplaced) {
    EXPECT_EQ(to_utf8(w(u"a\xD800z")), "a" + kReplacementUtf8 + "z");  // high without low
    EXPECT_EQ(to_utf8(w(u"a\xDC00z")), "a" + kReplacementUtf8 + "z");  // low without high
    EXPECT_EQ(to_utf8(w(u"a\xDE00\xD83D")),
              "a" + kReplacementUtf8 + kReplacementUtf8);       // reversed pair
    EXPECT_EQ(to_utf8(w(u"a\xD83D")), "a" + kReplacementUtf8);  // high at the end
    // A pair cut by the length argument is not joined with what lies beyond it.
    const SQLWCHAR pair[] = {0xD83D, 0xDE00, 0};
    EXPECT_EQ(to_utf8(pair, 1), kReplacementUtf8);
}

// ---- copy_out: narrow ----------------------------------------------------------------------

TEST(CopyOutNarrow, FitsExactlyWithTheTerminator) {
    SQLCHAR buf[6];
    memset(buf, 'x', sizeof buf);
    long full = -1;
    EXPECT_FALSE(copy_out("hello", buf, 6, &full));
    EXPECT_EQ(full, 5);
    EXPECT_STREQ(reinterpret_cast<char*>(buf), "hello");
}

TEST(CopyOutNarrow, TruncatesAtACharacterBoundaryAndReportsTheFullLength) {
    const std::string text = "h\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80!";  // h é 日 😀 ! = 11 bytes
    struct Case {
        long capacity;
        std::string expected;
    };
    const Case cases[] = {
        {1, ""},
        {2, "h"},
        {3, "h"},
        {4, "h\xC3\xA9"},
        {5, "h\xC3\xA9"},
        {6, "h\xC3\xA9"},
        {7, "h\xC3\xA9\xE6\x97\xA5"},
        {8, "h\xC3\xA9\xE6\x97\xA5"},
        {10, "h\xC3\xA9\xE6\x97\xA5"},
        {11, "h\xC3\xA9\xE6\x97\xA5\xF0\x9F\x98\x80"},
    };
    for (const Case& c : cases) {
        SQLCHAR buf[32];
        memset(buf, 'x', sizeof buf);
        long full = -1;
        EXPECT_TRUE(copy_out(text, buf, c.capacity, &full)) << "capacity " << c.capacity;
        EXPECT_EQ(full, 11) << "capacity " << c.capacity;
        EXPECT_EQ(std::string(reinterpret_cast<char*>(buf)), c.expected)
            << "capacity " << c.capacity;
        EXPECT_EQ(buf[c.capacity], 'x') << "wrote past capacity " << c.capacity;
    }
}

TEST(CopyOutNarrow, NullBufferOrNoRoomWritesNothingButReportsTheLength) {
    long full = -1;
    EXPECT_FALSE(copy_out("hello", nullptr, 10, &full));
    EXPECT_EQ(full, 5);
    SQLCHAR buf[2] = {'x', 'x'};
    full = -1;
    EXPECT_TRUE(copy_out("hello", buf, 0, &full));
    EXPECT_EQ(full, 5);
    EXPECT_EQ(buf[0], 'x');
    EXPECT_FALSE(copy_out("", buf, 1, nullptr));
    EXPECT_EQ(buf[0], 0);
}

// ---- copy_out: wide ------------------------------------------------------------------------

TEST(CopyOutWide, TruncatesWithoutSplittingASurrogatePair) {
    const WString text =
        w(u"a\xD83D\xDE00"
          u"b");  // a 😀 b = 4 units
    struct Case {
        long capacity;
        WString expected;
        bool truncated;
    };
    const Case cases[] = {
        {1, w(u""), true},
        {2, w(u"a"), true},
        {3, w(u"a"), true},  // room for 2 units, but the second is half a pair
        {4, w(u"a\xD83D\xDE00"), true},
        {5,
         w(u"a\xD83D\xDE00"
           u"b"),
         false},
    };
    for (const Case& c : cases) {
        SQLWCHAR buf[16];
        for (auto& u : buf) u = 'x';
        long full = -1;
        EXPECT_EQ(copy_out(text, buf, c.capacity, &full), c.truncated) << "capacity " << c.capacity;
        EXPECT_EQ(full, 4) << "capacity " << c.capacity;
        EXPECT_EQ(WString(buf), c.expected)
            << "capacity " << c.capacity << ": " << hex(WString(buf));
        if (c.truncated) {
            EXPECT_EQ(buf[c.capacity], u'x') << "wrote past capacity " << c.capacity;
        }
    }
}

TEST(CopyOutWide, NullBufferOrNoRoomWritesNothingButReportsTheLength) {
    long full = -1;
    EXPECT_FALSE(copy_out(w(u"abc"), nullptr, 10, &full));
    EXPECT_EQ(full, 3);
    SQLWCHAR buf[2] = {'x', 'x'};
    EXPECT_TRUE(copy_out(w(u"abc"), buf, 0, &full));
    EXPECT_EQ(buf[0], u'x');
    EXPECT_TRUE(copy_out(w(u"abc"), buf, -5, &full));
    EXPECT_EQ(buf[0], u'x');
}

// ---- input text: read up to the first NUL, within the length -------------------------------

TEST(InText, ALengthBeyondTheTerminatorEndsAtTheFirstNul) {
    // The size of the application's buffer as the length, as many C programs pass it.
    const char buffer[32] = "DSN=pg\0UID=x;PWD=zz";
    InText in = InText::narrow(reinterpret_cast<const SQLCHAR*>(buffer), sizeof buffer);
    EXPECT_EQ(in.units(), 6u);
    EXPECT_EQ(in.utf8(), "DSN=pg");
    EXPECT_EQ(in.utf16(), w(u"DSN=pg"));
    ConvertedText c = ConvertedText::from(in, true);
    EXPECT_EQ(c.wide, w(u"DSN=pg"));
    EXPECT_EQ(c.length, 6);
    // A length within the text, SQL_NTS and null are as before.
    EXPECT_EQ(InText::narrow(reinterpret_cast<const SQLCHAR*>(buffer), 3).utf8(), "DSN");
    EXPECT_EQ(InText::narrow(reinterpret_cast<const SQLCHAR*>(buffer), SQL_NTS).utf8(), "DSN=pg");
    EXPECT_EQ(InText::narrow(nullptr, 10).units(), 0u);
}

TEST(InText, WideALengthBeyondTheTerminatorEndsAtTheFirstNul) {
    WString buffer = w(u"SELECT 1");
    buffer += SQLWCHAR(0);
    buffer += w(u"; DROP TABLE t");
    InText in = InText::of(buffer.data(), static_cast<long>(buffer.size()));
    EXPECT_EQ(in.units(), 8u);
    EXPECT_EQ(in.utf8(), "SELECT 1");
    EXPECT_EQ(in.utf16(), w(u"SELECT 1"));
    ConvertedText c = ConvertedText::from(in, false);
    EXPECT_EQ(c.narrow, "SELECT 1");
    EXPECT_EQ(c.length, 8);
    EXPECT_EQ(InText::of(buffer.data(), 6).utf8(), "SELECT");
}

}  // namespace
}  // namespace odbcretry
