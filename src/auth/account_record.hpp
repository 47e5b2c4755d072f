// The stored form of an account (value of key "account/<login>" in
// accounts.tdb), version 1, integers big-endian:
//   u8 version = 1
//   u32 length, salt
//   u32 iterations
//   32 bytes StoredKey, 32 bytes ServerKey
//   u32 count, then per backend: u32 length, name
//   u32 count, then per event type: u32 length, name (as in the contract)
// Event types are stored by name so that reordering the enum cannot change
// the meaning of existing records.
#pragma once

#include "auth/account_store.hpp"

#include <string>
#include <string_view>

namespace ocs::auth {

std::string encodeAccount(const Account& account);

// Why a record could not be read, or the account; the login comes from the key.
Result<Account> decodeAccount(std::string_view login, std::string_view record);

} // namespace ocs::auth
