// SPDX-License-Identifier: Apache-2.0
// Env owns one target environment per target library it has connected through.
#pragma once
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "shim/handles/handle_base.h"
#include "shim/target_driver/library.h"

namespace odbcretry {

class Env final : public HandleBase {
  public:
    Env();
    ~Env() override;
    static Env* from(SQLHANDLE h) {
        return static_cast<Env*>(HandleRegistry::find(h, HandleKind::Env));
    }
    TargetDiagSource diag_source() const override { return {}; }

    SQLRETURN set_attr(SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER length);
    SQLRETURN get_attr(SQLINTEGER attribute, SQLPOINTER value, SQLINTEGER capacity,
                       SQLINTEGER* length);
    SQLRETURN end_tran(SQLSMALLINT completion);
    SQLRETURN alloc_connection(SQLHANDLE* out);
    SQLRETURN free_handle();

    // The target environment for `driver`, allocated on first use with this Env's attributes.
    SQLHENV target_env(const std::shared_ptr<const TargetDriver>& driver, std::string& error);
    void forget(Connection* c);
    SQLINTEGER odbc_version() const { return odbc_version_; }

  private:
    std::mutex mutex_;
    SQLINTEGER odbc_version_ = SQL_OV_ODBC2;
    SQLUINTEGER connection_pooling_ = SQL_CP_OFF;
    SQLUINTEGER cp_match_ = SQL_CP_STRICT_MATCH;
    SQLINTEGER output_nts_ = SQL_TRUE;
    struct TargetEnv {
        std::shared_ptr<const TargetDriver> driver;
        SQLHENV handle;
    };
    std::vector<TargetEnv> targets_;
    std::vector<Connection*> connections_;
    // Driver-specific environment attributes the application set: applied to every target
    // environment, also those allocated later. A buffer value (length > 0) is an owned copy.
    struct DriverEnvAttr {
        SQLINTEGER attribute;
        SQLPOINTER value;
        SQLINTEGER length;
        std::vector<char> bytes;
    };
    std::vector<DriverEnvAttr> driver_attrs_;
    static SQLRETURN apply(const TargetEnv& target, const DriverEnvAttr& a);
};

}  // namespace odbcretry
