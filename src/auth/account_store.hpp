// Producer accounts in a TDB file of the state directory (accounts.tdb, mode
// 0600). Only SCRAM verifiers are kept: nothing stored logs in by itself.
#pragma once

#include "auth/permissions.hpp"
#include "common/result.hpp"

#include <array>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ocs::auth {

struct Account {
    std::string login;
    std::vector<std::uint8_t> salt;
    std::uint32_t iterations = 0;
    std::array<std::uint8_t, 32> storedKey{};
    std::array<std::uint8_t, 32> serverKey{};
    Permissions permissions;
};

// Thread-safe: every call holds one lock around the single TDB handle.
class AccountStore {
public:
    static Result<std::unique_ptr<AccountStore>> open(const std::filesystem::path& stateDirectory);
    ~AccountStore();

    Result<std::optional<Account>> find(const std::string& login);
    Status put(const Account& account);
    Result<bool> remove(const std::string& login);
    Result<std::vector<Account>> list(); // a traversal: for tools, never on a request
    // A random secret kept in the same file, made on first use: keys the
    // fake salts of unknown logins.
    Result<std::vector<std::uint8_t>> serverSecret();

private:
    struct Impl;
    explicit AccountStore(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Makes an account's verifier from a password (PBKDF2-HMAC-SHA256).
Account makeAccount(const std::string& login, const std::string& password, std::uint32_t iterations,
                    Permissions permissions);

} // namespace ocs::auth
