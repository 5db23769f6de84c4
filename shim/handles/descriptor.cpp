// SPDX-License-Identifier: Apache-2.0
#include <algorithm>

#include "shim/target_driver/convert.h"
#include "shim/handles/handles.h"

namespace odbcretry {

Descriptor::Descriptor(Connection* connection, Statement* owner, SQLHDESC target)
    : HandleBase(SQL_HANDLE_DESC, HandleKind::Desc),
      connection_(connection),
      owner_(owner),
      api_(connection->api()),
      target_(target) {}

Descriptor::~Descriptor() = default;

SQLRETURN Descriptor::get_field(SQLSMALLINT rec, SQLSMALLINT field, SQLPOINTER value,
                                SQLINTEGER capacity, SQLINTEGER* length, bool wide) {
    auto* a = api_->SQLGetDescField;
    auto* w = api_->SQLGetDescFieldW;
    if (!wide && a) return a(target_, rec, field, value, capacity, length);
    if (wide && w) return w(target_, rec, field, value, capacity, length);
    if (!a && !w)
        return fail("IM001", "[odbc-retry] the target driver does not support SQLGetDescField");
    if (!connection_->target_supports(SQL_API_SQLGETDESCFIELD))
        return fail("IM001", "[odbc-retry] the target driver does not support SQLGetDescField");
    if (!desc_field_is_text(field))
        return a ? a(target_, rec, field, value, capacity, length)
                 : w(target_, rec, field, value, capacity, length);
    long full = 0;
    bool truncated = false;
    SQLRETURN rc =
        call_other_form<SQLINTEGER>(OutText::bytes(value, capacity, wide), &full, !wide, truncated,
                                    [&](SQLPOINTER buffer, SQLINTEGER c, SQLINTEGER* l) {
                                        return wide ? a(target_, rec, field, buffer, c, l)
                                                    : w(target_, rec, field, buffer, c, l);
                                    });
    if (length && SQL_SUCCEEDED(rc)) *length = static_cast<SQLINTEGER>(full);
    if (truncated) diag().post("01004", "[odbc-retry] String data, right truncated");
    return rc;
}

SQLRETURN Descriptor::set_field(SQLSMALLINT rec, SQLSMALLINT field, SQLPOINTER value,
                                SQLINTEGER length, bool wide) {
    // Direct edits of a statement's descriptor are not journaled: that statement can no longer be
    // rebuilt transparently after a lost connection.
    if (owner_) owner_->mark_descriptor_edited();
    auto* a = api_->SQLSetDescField;
    auto* w = api_->SQLSetDescFieldW;
    if (!wide && a) return a(target_, rec, field, value, length);
    if (wide && w) return w(target_, rec, field, value, length);
    if (!a && !w)
        return fail("IM001", "[odbc-retry] the target driver does not support SQLSetDescField");
    if (!connection_->target_supports(SQL_API_SQLSETDESCFIELD))
        return fail("IM001", "[odbc-retry] the target driver does not support SQLSetDescField");
    if (!desc_field_is_text(field) || !value)
        return a ? a(target_, rec, field, value, length) : w(target_, rec, field, value, length);
    InText in =
        wide ? InText::of(static_cast<const SQLWCHAR*>(value),
                          length < 0 ? SQL_NTS : length / static_cast<SQLINTEGER>(sizeof(SQLWCHAR)))
             : InText::narrow(static_cast<const SQLCHAR*>(value), length < 0 ? SQL_NTS : length);
    ConvertedText c = ConvertedText::from(in, !wide);
    return wide ? a(target_, rec, field, c.a(), SQL_NTS) : w(target_, rec, field, c.w(), SQL_NTS);
}

SQLRETURN Descriptor::get_rec(SQLSMALLINT rec, OutText name, SQLSMALLINT* name_length,
                              SQLSMALLINT* type, SQLSMALLINT* subtype, SQLLEN* length,
                              SQLSMALLINT* precision, SQLSMALLINT* scale, SQLSMALLINT* nullable) {
    auto* a = api_->SQLGetDescRec;
    auto* w = api_->SQLGetDescRecW;
    if (!name.wide && a)
        return a(target_, rec, static_cast<SQLCHAR*>(name.buffer),
                 static_cast<SQLSMALLINT>(name.capacity), name_length, type, subtype, length,
                 precision, scale, nullable);
    if (name.wide && w)
        return w(target_, rec, static_cast<SQLWCHAR*>(name.buffer),
                 static_cast<SQLSMALLINT>(name.capacity), name_length, type, subtype, length,
                 precision, scale, nullable);
    if (!a && !w)
        return fail("IM001", "[odbc-retry] the target driver does not support SQLGetDescRec");
    if (!connection_->target_supports(SQL_API_SQLGETDESCREC))
        return fail("IM001", "[odbc-retry] the target driver does not support SQLGetDescRec");
    long full = 0;
    bool truncated = false;
    SQLRETURN rc = call_other_form<SQLSMALLINT>(
        name, &full, !name.wide, truncated, [&](SQLPOINTER buffer, SQLSMALLINT c, SQLSMALLINT* l) {
            return name.wide ? a(target_, rec, static_cast<SQLCHAR*>(buffer), c, l, type, subtype,
                                 length, precision, scale, nullable)
                             : w(target_, rec, static_cast<SQLWCHAR*>(buffer), c, l, type, subtype,
                                 length, precision, scale, nullable);
        });
    if (name_length && SQL_SUCCEEDED(rc)) *name_length = static_cast<SQLSMALLINT>(full);
    if (truncated) diag().post("01004", "[odbc-retry] String data, right truncated");
    return rc;
}

void Descriptor::note_edited() {
    if (owner_) owner_->mark_descriptor_edited();
}

SQLRETURN Descriptor::copy_to(Descriptor& destination) {
    if (destination.api_ != api_)
        return destination.fail("HY000",
                                "[odbc-retry] cannot copy a descriptor between connections to "
                                "different target drivers");
    if (!api_->SQLCopyDesc)
        return destination.fail("IM001",
                                "[odbc-retry] the target driver does not support SQLCopyDesc");
    destination.note_edited();
    return api_->SQLCopyDesc(target_, destination.target_);
}

SQLRETURN Descriptor::free_handle() {
    if (implicit())
        return fail("HY017",
                    "[odbc-retry] invalid use of an automatically allocated descriptor handle");
    SQLRETURN rc = api_->SQLFreeHandle(SQL_HANDLE_DESC, target_);
    if (rc == SQL_ERROR) return rc;
    connection_->forget(this);
    delete this;
    return rc;
}

}  // namespace odbcretry
