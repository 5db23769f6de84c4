// SPDX-License-Identifier: Apache-2.0
// The differential suite's fixture (differential_fixture.h): its instantiation for every backend
// and the tables that several API areas fill.
#include "differential_fixture.h"

namespace ort_it {
namespace {

::testing::Environment* const kRequireEnvironment =
    ::testing::AddGlobalTestEnvironment(new RequireOdbcEnvironment());

std::string quoted(const std::string& s) {
    return "'" + s + "'";
}

// A table with one column of each common type, in the backend's dialect.
std::string create_types_table(const Pass& r, const std::string& t) {
    if (r.sqlite())
        return "CREATE TABLE " + t +
               " (c_id INTEGER PRIMARY KEY, c_int INTEGER, c_small SMALLINT, c_big BIGINT, c_num "
               "NUMERIC(12,3),"
               " c_dec DECIMAL(10,2), c_float FLOAT, c_double DOUBLE, c_real REAL, c_char CHAR(10),"
               " c_varchar VARCHAR(50), c_text TEXT, c_date DATE, c_time TIME, c_ts TIMESTAMP, "
               "c_bool BOOLEAN,"
               " c_bin BLOB)";
    if (r.pg())
        return "CREATE TABLE " + t +
               " (c_id INTEGER PRIMARY KEY, c_int INTEGER, c_small SMALLINT, c_big BIGINT, c_num "
               "NUMERIC(12,3),"
               " c_dec DECIMAL(10,2), c_float FLOAT, c_double DOUBLE PRECISION, c_real REAL, "
               "c_char CHAR(10),"
               " c_varchar VARCHAR(50), c_text TEXT, c_date DATE, c_time TIME, c_ts TIMESTAMP, "
               "c_bool BOOLEAN,"
               " c_bin BYTEA)";
    return "CREATE TABLE " + t +
           " (c_id INTEGER PRIMARY KEY, c_int INTEGER, c_small SMALLINT, c_big BIGINT, c_num "
           "NUMERIC(12,3),"
           " c_dec DECIMAL(10,2), c_float FLOAT, c_double DOUBLE, c_real REAL, c_char CHAR(10),"
           " c_varchar VARCHAR(50), c_text TEXT, c_date DATE, c_time TIME, c_ts DATETIME, c_bool "
           "BOOLEAN,"
           " c_bin VARBINARY(64)) DEFAULT CHARSET=utf8mb4";
}

std::string binary_literal(const Pass& r, const std::string& hex_digits) {
    if (r.pg()) return "'\\x" + hex_digits + "'::bytea";
    return "X'" + hex_digits + "'";
}

}  // namespace

void fill_types_table(Pass& r, const std::string& t) {
    r.quiet_drop(t);
    r.sql(create_types_table(r, t));
    const std::string cols =
        " (c_id, c_int, c_small, c_big, c_num, c_dec, c_float, c_double, c_real, c_char, "
        "c_varchar, c_text,"
        " c_date, c_time, c_ts, c_bool, c_bin) VALUES ";
    r.sql("INSERT INTO " + t + cols +
          "(1, 42, -7, 9007199254740993, 12345.678, -99.95, 3.5, 2.718281828459045, 1.25, 'abc', " +
          quoted(kGreeting) + ", " + quoted("text: " + kGreeting) +
          ", '2024-02-29', '13:45:59', '2024-02-29 13:45:59', TRUE, " +
          binary_literal(r, "00ff107f") + ")");
    r.sql("INSERT INTO " + t + cols +
          "(2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
          "NULL, NULL)");
    r.sql("INSERT INTO " + t + cols +
          "(3, -2147483648, 32767, -9223372036854775807, -0.001, 0, -1.5e-10, 1e300, -3.25, '', "
          "'x', '', "
          "'1970-01-01', '00:00:00', '1999-12-31 23:59:59', FALSE, " +
          binary_literal(r, "") + ")");
}

void fill_small_table(Pass& r, const std::string& t, int rows) {
    r.quiet_drop(t);
    r.sql("CREATE TABLE " + t + " (c_id INTEGER PRIMARY KEY, c_name VARCHAR(40), c_amount " +
          r.pick("DOUBLE", "DOUBLE PRECISION", "DOUBLE") + ")");
    std::string values;
    for (int i = 1; i <= rows; ++i) {
        std::string name = i == 4   ? "NULL"
                           : i == 7 ? "'a-name-longer-than-sixteen-bytes'"
                                    : fmt("'name-%d'", i);
        values += fmt("%s(%d, %s, %d.25)", i == 1 ? "" : ", ", i, name.c_str(), i * 10);
    }
    r.sql("INSERT INTO " + t + " (c_id, c_name, c_amount) VALUES " + values);
}

}  // namespace ort_it

using namespace ort_it;

INSTANTIATE_TEST_SUITE_P(Backends, Differential, ::testing::ValuesIn(all_backends()),
                         [](const ::testing::TestParamInfo<Backend>& info) {
                             return std::string(info.param.name);
                         });
