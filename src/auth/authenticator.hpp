// The Authentication service's logic, without SOAP: challenges, SCRAM proof
// verification, sessions, throttling. Thread-safe; one instance per daemon.
#pragma once

#include "auth/account_store.hpp"
#include "auth/permissions.hpp"
#include "common/clock.hpp"
#include "common/result.hpp"
#include "config/config.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace ocs::auth {

struct TokenChallenge {
    std::string challenge;             // base64url, >= 128 bits of randomness
    std::vector<std::uint8_t> salt;
    std::uint32_t iterations = 0;
    std::string mechanism;             // "SCRAM-SHA-256"
    std::chrono::seconds ttl{0};
};

struct LoginGrant {
    std::string session;               // opaque token, >= 128 bits of randomness
    Clock::Wall::time_point expires;
    std::chrono::seconds ttl{0};
    std::vector<std::uint8_t> serverSignature;
};

// Who is calling, resolved from a live session token.
struct Principal {
    std::string account;
    Permissions permissions;
};

class Authenticator {
public:
    Authenticator(AccountStore& accounts, const Clock& clock, AuthConfig config);
    ~Authenticator();
    Authenticator(const Authenticator&) = delete;
    Authenticator& operator=(const Authenticator&) = delete;

    // peer: the client's address as text, the key of per-address throttling.
    Result<TokenChallenge> getToken(const std::string& login, const std::string& peer);
    Result<LoginGrant> login(const std::string& login, const std::string& challenge,
                             const std::vector<std::uint8_t>& proof, const std::string& peer);
    Status logout(const std::string& session);
    Result<Principal> session(const std::string& token);

    // SIGHUP: re-reads the accounts of live sessions; sessions of removed
    // accounts end, the others take the current permissions.
    void reloadAccounts();

    std::size_t liveSessions() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

} // namespace ocs::auth
