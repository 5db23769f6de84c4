// SPDX-License-Identifier: Apache-2.0
// DiagArea: the target's records first, then odbc-retry's own, in either encoding.
//
// The target is a table of functions written here (A forms, W forms, or both), reading records
// from a FakeTarget, so each test decides exactly what the target reports and sees how often it
// was asked.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "shim/target_driver/diag.h"
#include "shim/target_driver/library.h"
#include "shim/target_driver/unicode.h"

namespace odbcretry {
namespace {

// The target driver's handle: its records, and what it was asked.
struct FakeTarget {
    std::vector<DiagRecord> records;
    int rec_calls = 0;
    int field_calls = 0;
};

FakeTarget* target_of(SQLHANDLE h) {
    return static_cast<FakeTarget*>(h);
}

// Copies UTF-8 text as a driver would: truncated, terminated, full length in `*length` units.
template <class Char, class Len>
SQLRETURN put(const std::string& text, Char* buffer, long capacity_units, Len* length) {
    std::vector<Char> converted;
    if constexpr (sizeof(Char) == 1) {
        converted.assign(text.begin(), text.end());
    } else {
        WString wide = to_utf16(text);
        converted.assign(wide.begin(), wide.end());
    }
    if (length) *length = static_cast<Len>(converted.size());
    if (!buffer || capacity_units <= 0)
        return converted.empty() ? SQL_SUCCESS : SQL_SUCCESS_WITH_INFO;
    size_t n = std::min<size_t>(converted.size(), static_cast<size_t>(capacity_units - 1));
    std::copy_n(converted.begin(), n, buffer);
    buffer[n] = 0;
    return n < converted.size() ? SQL_SUCCESS_WITH_INFO : SQL_SUCCESS;
}

SQLRETURN SQL_API fake_diag_rec(SQLSMALLINT, SQLHANDLE h, SQLSMALLINT rec, SQLCHAR* state,
                                SQLINTEGER* native, SQLCHAR* message, SQLSMALLINT capacity,
                                SQLSMALLINT* length) {
    FakeTarget* t = target_of(h);
    ++t->rec_calls;
    if (rec < 1) return SQL_ERROR;
    if (rec > static_cast<int>(t->records.size())) return SQL_NO_DATA;
    const DiagRecord& r = t->records[static_cast<size_t>(rec - 1)];
    if (state) put(r.sqlstate, state, 6, static_cast<SQLSMALLINT*>(nullptr));
    if (native) *native = r.native;
    return put(r.message, message, capacity, length);
}

SQLRETURN SQL_API fake_diag_rec_w(SQLSMALLINT, SQLHANDLE h, SQLSMALLINT rec, SQLWCHAR* state,
                                  SQLINTEGER* native, SQLWCHAR* message, SQLSMALLINT capacity,
                                  SQLSMALLINT* length) {
    FakeTarget* t = target_of(h);
    ++t->rec_calls;
    if (rec < 1) return SQL_ERROR;
    if (rec > static_cast<int>(t->records.size())) return SQL_NO_DATA;
    const DiagRecord& r = t->records[static_cast<size_t>(rec - 1)];
    if (state) put(r.sqlstate, state, 6, static_cast<SQLSMALLINT*>(nullptr));
    if (native) *native = r.native;
    return put(r.message, message, capacity, length);
}

template <bool Wide>
SQLRETURN fake_field(SQLHANDLE h, SQLSMALLINT rec, SQLSMALLINT field, SQLPOINTER value,
                     SQLSMALLINT capacity, SQLSMALLINT* length) {
    FakeTarget* t = target_of(h);
    ++t->field_calls;
    if (rec == 0) {
        if (field != SQL_DIAG_NUMBER) return SQL_ERROR;
        if (value) *static_cast<SQLINTEGER*>(value) = static_cast<SQLINTEGER>(t->records.size());
        return SQL_SUCCESS;
    }
    if (rec < 0) return SQL_ERROR;
    if (rec > static_cast<int>(t->records.size())) return SQL_NO_DATA;
    const DiagRecord& r = t->records[static_cast<size_t>(rec - 1)];
    auto text = [&](const std::string& s) -> SQLRETURN {
        if constexpr (Wide) {
            SQLRETURN rc = put(s, static_cast<SQLWCHAR*>(value), capacity / 2, length);
            if (length) *length = static_cast<SQLSMALLINT>(*length * 2);
            return rc;
        } else {
            return put(s, static_cast<SQLCHAR*>(value), capacity, length);
        }
    };
    switch (field) {
        case SQL_DIAG_SQLSTATE:
            return text(r.sqlstate);
        case SQL_DIAG_MESSAGE_TEXT:
            return text(r.message);
        case SQL_DIAG_NATIVE:
            if (value) *static_cast<SQLINTEGER*>(value) = r.native;
            return SQL_SUCCESS;
        default:
            return SQL_ERROR;
    }
}

SQLRETURN SQL_API fake_diag_field(SQLSMALLINT, SQLHANDLE h, SQLSMALLINT rec, SQLSMALLINT field,
                                  SQLPOINTER value, SQLSMALLINT capacity, SQLSMALLINT* length) {
    return fake_field<false>(h, rec, field, value, capacity, length);
}

SQLRETURN SQL_API fake_diag_field_w(SQLSMALLINT, SQLHANDLE h, SQLSMALLINT rec, SQLSMALLINT field,
                                    SQLPOINTER value, SQLSMALLINT capacity, SQLSMALLINT* length) {
    return fake_field<true>(h, rec, field, value, capacity, length);
}

enum class Forms { Both, AnsiOnly, WideOnly, RecordsOnly };

TargetApi make_api(Forms forms) {
    TargetApi api;
    if (forms != Forms::WideOnly) api.SQLGetDiagRec = &fake_diag_rec;
    if (forms != Forms::AnsiOnly) api.SQLGetDiagRecW = &fake_diag_rec_w;
    if (forms == Forms::Both || forms == Forms::AnsiOnly) api.SQLGetDiagField = &fake_diag_field;
    if (forms == Forms::Both || forms == Forms::WideOnly) api.SQLGetDiagFieldW = &fake_diag_field_w;
    return api;
}

// What one get_rec answered.
struct Answer {
    SQLRETURN rc = -99;
    std::string state;
    SQLINTEGER native = -1;
    std::string message;
    SQLSMALLINT length = -1;
};

Answer rec_a(DiagArea& area, const TargetDiagSource& source, SQLSMALLINT rec,
             SQLSMALLINT capacity = 512) {
    Answer a;
    SQLCHAR state[6] = {};
    std::vector<SQLCHAR> message(static_cast<size_t>(capacity > 0 ? capacity : 1) + 8, 'x');
    a.rc = area.get_rec(source, rec, false, state, &a.native, message.data(), capacity, &a.length);
    if (SQL_SUCCEEDED(a.rc)) {
        a.state = reinterpret_cast<char*>(state);
        a.message = reinterpret_cast<char*>(message.data());
    } else {
        a.state = reinterpret_cast<char*>(state);
    }
    return a;
}

Answer rec_w(DiagArea& area, const TargetDiagSource& source, SQLSMALLINT rec,
             SQLSMALLINT capacity = 512) {
    Answer a;
    SQLWCHAR state[6] = {};
    std::vector<SQLWCHAR> message(static_cast<size_t>(capacity > 0 ? capacity : 1) + 8, 'x');
    a.rc = area.get_rec(source, rec, true, reinterpret_cast<SQLCHAR*>(state), &a.native,
                        message.data(), capacity, &a.length);
    a.state = to_utf8(state, SQL_NTS);
    if (SQL_SUCCEEDED(a.rc)) a.message = to_utf8(message.data(), SQL_NTS);
    return a;
}

class DiagTest : public ::testing::Test {
  protected:
    void use(Forms forms) { api_ = make_api(forms); }
    TargetDiagSource source() { return {&api_, SQL_HANDLE_STMT, &target_}; }
    void target_reports(std::vector<DiagRecord> records) { target_.records = std::move(records); }

    SQLINTEGER number(bool wide = false) {
        SQLINTEGER n = -1;
        SQLRETURN rc =
            area_.get_field(source(), 0, SQL_DIAG_NUMBER, wide, &n, 0, nullptr, SQL_ERROR);
        EXPECT_EQ(rc, SQL_SUCCESS);
        return n;
    }

    TargetApi api_ = make_api(Forms::Both);
    FakeTarget target_;
    DiagArea area_;
};

const DiagRecord kSyntax{"42000", 7, "[Fake]syntax error near \"SELEC\""};
const DiagRecord kNote{"01000", 0, "[Fake]a note"};
const char* const kOwnText = "[odbc-retry] String data, right truncated";

#define EXPECT_RECORD(answer, rc_, state_, native_, message_) \
    do {                                                      \
        Answer got_ = (answer);                               \
        EXPECT_EQ(got_.rc, rc_);                              \
        EXPECT_EQ(got_.state, state_);                        \
        EXPECT_EQ(got_.native, native_);                      \
        EXPECT_EQ(got_.message, message_);                    \
    } while (0)

TEST_F(DiagTest, TargetRecordsComeFirstThenOwnRecords) {
    target_reports({kSyntax, kNote});
    area_.post("01004", kOwnText, 0);
    for (bool wide : {false, true}) {
        auto rec = [&](SQLSMALLINT n) {
            return wide ? rec_w(area_, source(), n) : rec_a(area_, source(), n);
        };
        EXPECT_RECORD(rec(1), SQL_SUCCESS, "42000", 7, kSyntax.message);
        EXPECT_RECORD(rec(2), SQL_SUCCESS, "01000", 0, kNote.message);
        EXPECT_RECORD(rec(3), SQL_SUCCESS, "01004", 0, kOwnText);
        EXPECT_EQ(rec(4).rc, SQL_NO_DATA);
        EXPECT_EQ(number(wide), 3);
    }
    auto snapshot = area_.records_snapshot(source());
    ASSERT_EQ(snapshot.size(), 3u);
    EXPECT_EQ(snapshot[0].message, kSyntax.message);
    EXPECT_EQ(snapshot[2].message, kOwnText);
}

TEST_F(DiagTest, WithoutOwnRecordsTheTargetAnswersDirectly) {
    target_reports({kSyntax});
    EXPECT_RECORD(rec_a(area_, source(), 1), SQL_SUCCESS, "42000", 7, kSyntax.message);
    EXPECT_RECORD(rec_w(area_, source(), 1), SQL_SUCCESS, "42000", 7, kSyntax.message);
    EXPECT_EQ(rec_a(area_, source(), 2).rc, SQL_NO_DATA);
    EXPECT_EQ(number(), 1);
    EXPECT_GT(target_.rec_calls, 0);
    // The target's truncation is passed through as the target reports it.
    Answer cut = rec_a(area_, source(), 1, 6);
    EXPECT_EQ(cut.rc, SQL_SUCCESS_WITH_INFO);
    EXPECT_EQ(cut.message, "[Fake");
    EXPECT_EQ(cut.length, static_cast<SQLSMALLINT>(kSyntax.message.size()));
}

TEST_F(DiagTest, TargetRecordsAreReadLiveUntilCaptured) {
    target_reports({kSyntax});
    EXPECT_EQ(rec_a(area_, source(), 1).state, "42000");
    target_reports({kNote});  // another call on the target's handle
    EXPECT_EQ(rec_a(area_, source(), 1).state, "01000");
}

TEST_F(DiagTest, CapturedRecordsSurviveFurtherTargetCalls) {
    target_reports({kSyntax, kNote});
    area_.capture_target(source());
    area_.post("08S01", "[odbc-retry] connection lost; recovering", 0);
    target_reports({{"HY000", 1, "[Fake]something else entirely"}});
    for (bool wide : {false, true}) {
        auto rec = [&](SQLSMALLINT n) {
            return wide ? rec_w(area_, source(), n) : rec_a(area_, source(), n);
        };
        EXPECT_RECORD(rec(1), SQL_SUCCESS, "42000", 7, kSyntax.message);
        EXPECT_RECORD(rec(2), SQL_SUCCESS, "01000", 0, kNote.message);
        EXPECT_RECORD(rec(3), SQL_SUCCESS, "08S01", 0, "[odbc-retry] connection lost; recovering");
        EXPECT_EQ(rec(4).rc, SQL_NO_DATA);
        EXPECT_EQ(number(wide), 3);
    }
    // Fields of a captured record come from the copy.
    SQLCHAR text[64] = {};
    SQLSMALLINT length = 0;
    EXPECT_EQ(area_.get_field(source(), 1, SQL_DIAG_SQLSTATE, false, text, sizeof text, &length,
                              SQL_ERROR),
              SQL_SUCCESS);
    EXPECT_STREQ(reinterpret_cast<char*>(text), "42000");
    SQLINTEGER native = 0;
    EXPECT_EQ(area_.get_field(source(), 1, SQL_DIAG_NATIVE, false, &native, 0, nullptr, SQL_ERROR),
              SQL_SUCCESS);
    EXPECT_EQ(native, 7);
}

TEST_F(DiagTest, CaptureKeepsLongTargetMessagesWhole) {
    std::string long_text = "[Fake]" + std::string(3000, 'L') + "!";
    target_reports({{"HY000", 3, long_text}});
    area_.capture_target(source());
    target_reports({});
    auto snapshot = area_.records_snapshot(source());
    ASSERT_EQ(snapshot.size(), 1u);
    EXPECT_EQ(snapshot[0].message, long_text);
    Answer a = rec_a(area_, source(), 1, 4000);
    EXPECT_EQ(a.message, long_text);
    EXPECT_EQ(a.length, static_cast<SQLSMALLINT>(long_text.size()));
}

TEST_F(DiagTest, PostAloneHidesTheTargetsRecords) {
    target_reports({kSyntax});
    area_.post_alone("HY009", "[odbc-retry] null statement text");
    EXPECT_RECORD(rec_a(area_, source(), 1), SQL_SUCCESS, "HY009", 0,
                  "[odbc-retry] null statement text");
    EXPECT_EQ(rec_a(area_, source(), 2).rc, SQL_NO_DATA);
    EXPECT_EQ(number(), 1);
}

TEST_F(DiagTest, BeginCallClearsOwnRecordsAndCapture) {
    target_reports({kSyntax});
    area_.post_alone("HY009", "[odbc-retry] null statement text");
    area_.begin_call();
    target_reports({});
    EXPECT_EQ(rec_a(area_, source(), 1).rc, SQL_NO_DATA);
    EXPECT_EQ(number(), 0);
    target_reports({kNote});  // the target is read live again
    EXPECT_EQ(rec_a(area_, source(), 1).state, "01000");
}

TEST_F(DiagTest, OwnRecordsWithoutATarget) {
    TargetDiagSource none{};
    area_.post("HY000", "[odbc-retry] first", 1);
    area_.post("01000", "[odbc-retry] second", 2);
    EXPECT_RECORD(rec_a(area_, none, 1), SQL_SUCCESS, "HY000", 1, "[odbc-retry] first");
    EXPECT_RECORD(rec_w(area_, none, 2), SQL_SUCCESS, "01000", 2, "[odbc-retry] second");
    EXPECT_EQ(rec_a(area_, none, 3).rc, SQL_NO_DATA);
    SQLINTEGER n = -1;
    EXPECT_EQ(area_.get_field(none, 0, SQL_DIAG_NUMBER, false, &n, 0, nullptr, SQL_ERROR),
              SQL_SUCCESS);
    EXPECT_EQ(n, 2);
}

TEST_F(DiagTest, EmptyAreaHasNoRecords) {
    TargetDiagSource none{};
    EXPECT_EQ(rec_a(area_, none, 1).rc, SQL_NO_DATA);
    SQLINTEGER n = -1;
    EXPECT_EQ(area_.get_field(none, 0, SQL_DIAG_NUMBER, false, &n, 0, nullptr, SQL_SUCCESS),
              SQL_SUCCESS);
    EXPECT_EQ(n, 0);
}

TEST_F(DiagTest, ReturnCodeHeaderField) {
    SQLRETURN rc = 0;
    EXPECT_EQ(area_.get_field(source(), 0, SQL_DIAG_RETURNCODE, false, &rc, 0, nullptr,
                              SQL_SUCCESS_WITH_INFO),
              SQL_SUCCESS);
    EXPECT_EQ(rc, SQL_SUCCESS_WITH_INFO);
}

TEST_F(DiagTest, InvalidArgumentsAreErrors) {
    area_.post("HY000", "[odbc-retry] x");
    EXPECT_EQ(rec_a(area_, source(), 0).rc, SQL_ERROR);
    EXPECT_EQ(rec_a(area_, source(), -1).rc, SQL_ERROR);
    EXPECT_EQ(rec_a(area_, source(), 1, -1).rc, SQL_ERROR);
    SQLINTEGER v = 0;
    EXPECT_EQ(area_.get_field(source(), -1, SQL_DIAG_NATIVE, false, &v, 0, nullptr, SQL_ERROR),
              SQL_ERROR);
    EXPECT_EQ(area_.get_field(source(), 9, SQL_DIAG_NATIVE, false, &v, 0, nullptr, SQL_ERROR),
              SQL_NO_DATA);
}

TEST_F(DiagTest, NullOutputPointersAreAllowed) {
    area_.post("HY000", "[odbc-retry] x");
    EXPECT_EQ(area_.get_rec(source(), 1, false, nullptr, nullptr, nullptr, 0, nullptr),
              SQL_SUCCESS);
    EXPECT_EQ(area_.get_rec(source(), 1, true, nullptr, nullptr, nullptr, 0, nullptr), SQL_SUCCESS);
    SQLSMALLINT length = 0;
    EXPECT_EQ(area_.get_rec(source(), 1, false, nullptr, nullptr, nullptr, 0, &length),
              SQL_SUCCESS);
    EXPECT_EQ(length, 14);
    EXPECT_EQ(
        area_.get_field(source(), 1, SQL_DIAG_MESSAGE_TEXT, false, nullptr, 0, &length, SQL_ERROR),
        SQL_SUCCESS);
    EXPECT_EQ(length, 14);
}

// ---- truncation ----------------------------------------------------------------------------

TEST_F(DiagTest, OwnMessageTruncationReturnsSuccessWithInfoAndFullLength) {
    const std::string text = "[odbc-retry] 0123456789";
    area_.post_alone("HY000", text);
    Answer a = rec_a(area_, source(), 1, 8);
    EXPECT_EQ(a.rc, SQL_SUCCESS_WITH_INFO);
    EXPECT_EQ(a.message, "[odbc-r");
    EXPECT_EQ(a.length, static_cast<SQLSMALLINT>(text.size()));
    EXPECT_EQ(a.state, "HY000");
    Answer w = rec_w(area_, source(), 1, 8);  // characters for SQLGetDiagRecW
    EXPECT_EQ(w.rc, SQL_SUCCESS_WITH_INFO);
    EXPECT_EQ(w.message, "[odbc-r");
    EXPECT_EQ(w.length, static_cast<SQLSMALLINT>(text.size()));
    Answer exact = rec_a(area_, source(), 1, static_cast<SQLSMALLINT>(text.size() + 1));
    EXPECT_EQ(exact.rc, SQL_SUCCESS);
    EXPECT_EQ(exact.message, text);
}

TEST_F(DiagTest, TruncationNeverSplitsACharacter) {
    const std::string text = "[odbc-retry] caf\xC3\xA9 \xF0\x9F\x98\x80";
    area_.post_alone("HY000", text);
    Answer a = rec_a(area_, source(), 1, 18);  // room for 17 bytes: "...caf" + half of é
    EXPECT_EQ(a.rc, SQL_SUCCESS_WITH_INFO);
    EXPECT_EQ(a.message, "[odbc-retry] caf");
    Answer w = rec_w(area_, source(), 1, 20);  // room for 19 units: "... é " + half the pair
    EXPECT_EQ(w.rc, SQL_SUCCESS_WITH_INFO);
    EXPECT_EQ(w.message, "[odbc-retry] caf\xC3\xA9 ");
    EXPECT_EQ(w.length, 20);  // UTF-16 units of the whole message
}

TEST_F(DiagTest, MessageFieldTruncationCountsBytes) {
    const std::string text = "[odbc-retry] 0123456789";
    area_.post_alone("HY000", text);
    char narrow[8];
    SQLSMALLINT length = 0;
    EXPECT_EQ(area_.get_field(source(), 1, SQL_DIAG_MESSAGE_TEXT, false, narrow, sizeof narrow,
                              &length, SQL_ERROR),
              SQL_SUCCESS_WITH_INFO);
    EXPECT_STREQ(narrow, "[odbc-r");
    EXPECT_EQ(length, static_cast<SQLSMALLINT>(text.size()));
    SQLWCHAR wide[8];
    EXPECT_EQ(area_.get_field(source(), 1, SQL_DIAG_MESSAGE_TEXT, true, wide, sizeof wide, &length,
                              SQL_ERROR),
              SQL_SUCCESS_WITH_INFO);
    EXPECT_EQ(to_utf8(wide, SQL_NTS), "[odbc-r");
    EXPECT_EQ(length, static_cast<SQLSMALLINT>(text.size() * sizeof(SQLWCHAR)));
    SQLWCHAR state[6];
    EXPECT_EQ(area_.get_field(source(), 1, SQL_DIAG_SQLSTATE, true, state, sizeof state, &length,
                              SQL_ERROR),
              SQL_SUCCESS);
    EXPECT_EQ(to_utf8(state, SQL_NTS), "HY000");
}

// ---- SQLError ------------------------------------------------------------------------------

TEST_F(DiagTest, NextErrorWalksEveryRecordOnceThenNoData) {
    target_reports({kSyntax, kNote});
    area_.post("01004", kOwnText);
    const char* expected[] = {"42000", "01000", "01004"};
    for (const char* state : expected) {
        SQLCHAR s[6] = {};
        SQLINTEGER native = -1;
        SQLCHAR message[256] = {};
        SQLSMALLINT length = 0;
        EXPECT_EQ(area_.next_error(source(), false, s, &native, message, sizeof message, &length),
                  SQL_SUCCESS);
        EXPECT_STREQ(reinterpret_cast<char*>(s), state);
    }
    for (int again = 0; again < 2; ++again) {
        SQLCHAR s[6] = {};
        EXPECT_EQ(area_.next_error(source(), false, s, nullptr, nullptr, 0, nullptr), SQL_NO_DATA);
        EXPECT_STREQ(reinterpret_cast<char*>(s), "00000");
    }
    // The next function call starts over.
    area_.begin_call();
    target_reports({kNote});
    SQLWCHAR ws[6] = {};
    SQLWCHAR message[64] = {};
    EXPECT_EQ(area_.next_error(source(), true, reinterpret_cast<SQLCHAR*>(ws), nullptr, message, 64,
                               nullptr),
              SQL_SUCCESS);
    EXPECT_EQ(to_utf8(ws, SQL_NTS), "01000");
    EXPECT_EQ(to_utf8(message, SQL_NTS), kNote.message);
}

// ---- a target with only one encoding -------------------------------------------------------

TEST_F(DiagTest, AnsiOnlyTargetServesAWideApplication) {
    use(Forms::AnsiOnly);
    const DiagRecord accented{"42S02", 9,
                              "[Fake]table \xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80 not found"};
    target_reports({accented});
    EXPECT_RECORD(rec_w(area_, source(), 1), SQL_SUCCESS, "42S02", 9, accented.message);
    area_.post("01004", kOwnText);
    EXPECT_RECORD(rec_w(area_, source(), 1), SQL_SUCCESS, "42S02", 9, accented.message);
    EXPECT_RECORD(rec_w(area_, source(), 2), SQL_SUCCESS, "01004", 0, kOwnText);
}

TEST_F(DiagTest, WideOnlyTargetServesAnAnsiApplication) {
    use(Forms::WideOnly);
    const DiagRecord accented{"42S02", 9, "[Fake]table \xC3\xA9t\xC3\xA9 not found"};
    target_reports({accented});
    EXPECT_RECORD(rec_a(area_, source(), 1), SQL_SUCCESS, "42S02", 9, accented.message);
    area_.post("01004", kOwnText);
    EXPECT_RECORD(rec_a(area_, source(), 2), SQL_SUCCESS, "01004", 0, kOwnText);
    EXPECT_EQ(number(false), 2);
}

TEST_F(DiagTest, TargetWithoutDiagFieldIsCountedByRecords) {
    use(Forms::RecordsOnly);
    target_reports({kSyntax, kNote});
    area_.post("01004", kOwnText);
    EXPECT_EQ(number(), 3);
    EXPECT_RECORD(rec_a(area_, source(), 3), SQL_SUCCESS, "01004", 0, kOwnText);
}

// SQL_DIAG_NUMBER is an SQLINTEGER: nothing may be written past it, whatever the target's forms.
TEST_F(DiagTest, IntegerFieldsWriteExactlyAnSqlInteger) {
    for (Forms forms : {Forms::Both, Forms::AnsiOnly, Forms::WideOnly}) {
        use(forms);
        target_reports({kSyntax});
        for (bool wide : {false, true}) {
            struct {
                SQLINTEGER value = -1;
                SQLINTEGER guard = 0x5A5A5A5A;
            } number, native;
            SQLRETURN rc = area_.get_field(source(), 0, SQL_DIAG_NUMBER, wide, &number.value, 0,
                                           nullptr, SQL_ERROR);
            EXPECT_EQ(rc, SQL_SUCCESS) << "forms " << static_cast<int>(forms) << " wide " << wide;
            EXPECT_EQ(number.value, 1) << "forms " << static_cast<int>(forms) << " wide " << wide;
            EXPECT_EQ(number.guard, 0x5A5A5A5A)
                << "SQL_DIAG_NUMBER overwrote the next 4 bytes; forms " << static_cast<int>(forms)
                << " wide " << wide;
            rc = area_.get_field(source(), 1, SQL_DIAG_NATIVE, wide, &native.value, 0, nullptr,
                                 SQL_ERROR);
            EXPECT_EQ(rc, SQL_SUCCESS) << "forms " << static_cast<int>(forms) << " wide " << wide;
            EXPECT_EQ(native.value, 7) << "forms " << static_cast<int>(forms) << " wide " << wide;
            EXPECT_EQ(native.guard, 0x5A5A5A5A)
                << "SQL_DIAG_NATIVE overwrote the next 4 bytes; forms " << static_cast<int>(forms)
                << " wide " << wide;
        }
    }
}

TEST_F(DiagTest, TextFieldsOfTargetRecordsInEitherEncoding) {
    for (Forms forms : {Forms::Both, Forms::AnsiOnly, Forms::WideOnly}) {
        use(forms);
        target_reports({kSyntax});
        char narrow[64] = {};
        SQLSMALLINT length = 0;
        EXPECT_EQ(area_.get_field(source(), 1, SQL_DIAG_SQLSTATE, false, narrow, sizeof narrow,
                                  &length, SQL_ERROR),
                  SQL_SUCCESS)
            << "forms " << static_cast<int>(forms);
        EXPECT_STREQ(narrow, "42000") << "forms " << static_cast<int>(forms);
        SQLWCHAR wide[64] = {};
        EXPECT_EQ(area_.get_field(source(), 1, SQL_DIAG_MESSAGE_TEXT, true, wide, sizeof wide,
                                  &length, SQL_ERROR),
                  SQL_SUCCESS)
            << "forms " << static_cast<int>(forms);
        EXPECT_EQ(to_utf8(wide, SQL_NTS), kSyntax.message) << "forms " << static_cast<int>(forms);
        EXPECT_EQ(length, static_cast<SQLSMALLINT>(kSyntax.message.size() * 2))
            << "forms " << static_cast<int>(forms);
    }
}

}  // namespace
}  // namespace odbcretry
