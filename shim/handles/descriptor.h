// SPDX-License-Identifier: Apache-2.0
// Descriptor owns an explicit target HDESC or wraps one of a statement's implicit descriptors.
#pragma once
#include "shim/handles/handle_base.h"
#include "shim/target_driver/library.h"

namespace odbcretry {

class Descriptor final : public HandleBase {
  public:
    Descriptor(Connection* connection, Statement* owner, SQLHDESC target);
    ~Descriptor() override;
    static Descriptor* from(SQLHANDLE h) {
        return static_cast<Descriptor*>(HandleRegistry::find(h, HandleKind::Desc));
    }
    TargetDiagSource diag_source() const override { return {api_, SQL_HANDLE_DESC, target_}; }

    template <auto Member, class... Args>
    SQLRETURN forward(Args... args) {
        auto function = api_->*Member;
        if (!function) [[unlikely]]
            return fail("IM001",
                        "[odbc-retry] the target driver does not support this descriptor function");
        return function(target_, args...);
    }
    SQLRETURN get_field(SQLSMALLINT rec, SQLSMALLINT field, SQLPOINTER value, SQLINTEGER capacity,
                        SQLINTEGER* length, bool wide);
    SQLRETURN set_field(SQLSMALLINT rec, SQLSMALLINT field, SQLPOINTER value, SQLINTEGER length,
                        bool wide);
    SQLRETURN get_rec(SQLSMALLINT rec, OutText name, SQLSMALLINT* name_length, SQLSMALLINT* type,
                      SQLSMALLINT* subtype, SQLLEN* length, SQLSMALLINT* precision,
                      SQLSMALLINT* scale, SQLSMALLINT* nullable);
    SQLRETURN copy_to(Descriptor& target);
    SQLRETURN free_handle();

    bool implicit() const { return owner_ != nullptr; }
    const Statement* owner() const { return owner_; }
    SQLHDESC target() const { return target_; }
    SQLINTEGER implicit_attribute() const { return implicit_attribute_; }
    void note_edited();
    void set_implicit_attribute(SQLINTEGER attribute) { implicit_attribute_ = attribute; }
    void retarget(SQLHDESC target, const TargetApi* api) {
        target_ = target;
        api_ = api;
    }
    Connection* connection() const { return connection_; }

  private:
    Connection* connection_;
    Statement* owner_;  // the statement of an implicit descriptor, null for explicit ones
    SQLINTEGER implicit_attribute_ = 0;  // SQL_ATTR_APP_ROW_DESC... for implicit ones
    const TargetApi* api_;
    SQLHDESC target_;
};

}  // namespace odbcretry
