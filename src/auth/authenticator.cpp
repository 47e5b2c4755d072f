#include "auth/authenticator.hpp"

#include "auth/expiring_table.hpp"
#include "auth/scram.hpp"
#include "auth/throttle.hpp"
#include "common/digest.hpp"
#include "common/random.hpp"
#include "common/text.hpp"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <utility>

namespace ocs::auth {
namespace {

constexpr std::size_t maxLoginLength = 256;
// Longer than any challenge or session token issued.
constexpr std::size_t maxTokenLength = 256;
constexpr std::size_t challengeBytes = 18; // 144 bits, 24 base64url characters
constexpr std::size_t sessionBytes = 32;   // 256 bits, 43 base64url characters
constexpr std::size_t fakeSaltSize = 16;   // as long as makeAccount's salts
// Per table: enough for every attacker address and every name it tries
// within one window, small enough (a few KB per key at most) to keep in RAM.
constexpr std::size_t maxThrottledKeys = 16384;

// Tokens are opaque, but they are text from the client: one holding what no
// token can (invalid UTF-8, control characters) is a malformed parameter, not
// an unknown token. An empty one is a missing token, answered as unknown.
Status checkTokenText(const char* field, const std::string& token)
{
    return validateOptionalField(field, token, maxTokenLength);
}

struct IssuedChallenge {
    std::string login;
    Bytes salt;
    std::uint32_t iterations = 0;
};

// What GetToken tells a client about an account.
struct SaltAndIterations {
    Bytes salt;
    std::uint32_t iterations = 0;
};

std::string sessionKey(const std::string& token)
{
    const Digest digest = sha256(token);
    return std::string(digest.begin(), digest.end());
}

Error throttledError(const std::string& login, const std::string& peer)
{
    return makeError(ErrorCode::TooManyAttempts, {}, "login " + login + " from " + peer + " is throttled");
}

} // namespace

struct Authenticator::State {
    State(AccountStore& store, const Clock& time, AuthConfig settings)
        : accounts(store), clock(time), config(settings), dummyStoredKey(randomKey()),
          challenges(settings.maxChallenges), sessions(settings.maxSessions),
          accountFailures(settings.failureWindow, settings.maxFailuresPerAccount, maxThrottledKeys),
          peerFailures(settings.failureWindow, settings.maxFailuresPerAddress, maxThrottledKeys)
    {
    }

    static scram::Key randomKey()
    {
        const Bytes bytes = randomBytes(scram::Key().size());
        scram::Key key{};
        std::copy(bytes.begin(), bytes.end(), key.begin());
        return key;
    }

    // Callers hold `mutex` for these three.
    bool throttled(const std::string& login, const std::string& peer, Clock::Steady::time_point now)
    {
        // Both tables are asked: each prunes what has aged out.
        const bool account = accountFailures.blocked(login, now);
        const bool address = peerFailures.blocked(peer, now);
        return account || address;
    }

    void recordFailure(const std::string& login, const std::string& peer, Clock::Steady::time_point now)
    {
        accountFailures.recordFailure(login, now);
        peerFailures.recordFailure(peer, now);
    }

    Error failure(ErrorCode code, const std::string& login, const std::string& peer, Clock::Steady::time_point now,
                  std::string field, std::string detail)
    {
        recordFailure(login, peer, now);
        return makeError(code, std::move(field), "login " + login + " from " + peer + ": " + detail);
    }

    Result<SaltAndIterations> saltAndIterations(const std::string& login);

    AccountStore& accounts;
    const Clock& clock;
    const AuthConfig config;
    // Unknown logins are verified against this key, so that they cost what a
    // known login costs; no proof can match it.
    const scram::Key dummyStoredKey;

    mutable std::mutex mutex;
    ExpiringTable<IssuedChallenge> challenges;
    ExpiringTable<Principal> sessions; // keyed by SHA-256 of the token
    FailureThrottle accountFailures;
    FailureThrottle peerFailures;
};

// An unknown login gets a salt of the same length, stable across calls and
// restarts, and the configured iteration count: its answer cannot be told
// apart from a real account's.
Result<SaltAndIterations> Authenticator::State::saltAndIterations(const std::string& login)
{
    auto account = accounts.find(login);
    if (!account)
        return account.error();
    if (*account)
        return SaltAndIterations{(*account)->salt, (*account)->iterations};

    auto secret = accounts.serverSecret();
    if (!secret)
        return secret.error();
    std::string message("ocsmanager fake salt", 21); // the label and its NUL
    message += login;
    const Digest mac = hmacSha256(*secret, message);
    return SaltAndIterations{Bytes(mac.begin(), mac.begin() + fakeSaltSize), config.iterations};
}

Authenticator::Authenticator(AccountStore& accounts, const Clock& clock, AuthConfig config)
    : state_(std::make_unique<State>(accounts, clock, config))
{
}

Authenticator::~Authenticator() = default;

Result<TokenChallenge> Authenticator::getToken(const std::string& login, const std::string& peer)
{
    if (Status valid = validateField("login", login, maxLoginLength); !valid)
        return valid.error();
    const auto now = state_->clock.now();
    {
        const std::lock_guard lock(state_->mutex);
        if (state_->throttled(login, peer, now))
            return throttledError(login, peer);
    }

    auto account = state_->saltAndIterations(login);
    if (!account)
        return account.error();

    TokenChallenge answer;
    answer.challenge = randomToken(challengeBytes);
    answer.salt = account->salt;
    answer.iterations = account->iterations;
    answer.mechanism = std::string(scram::mechanism);
    answer.ttl = state_->config.challengeTtl;

    const std::lock_guard lock(state_->mutex);
    state_->challenges.insert(answer.challenge, IssuedChallenge{login, std::move(account->salt), account->iterations},
                              now + state_->config.challengeTtl, now);
    return answer;
}

Result<LoginGrant> Authenticator::login(const std::string& login, const std::string& challenge,
                                        const std::vector<std::uint8_t>& proof, const std::string& peer)
{
    if (Status valid = validateField("login", login, maxLoginLength); !valid)
        return valid.error();
    if (Status valid = checkTokenText("challenge", challenge); !valid)
        return valid.error();
    const auto now = state_->clock.now();
    std::optional<IssuedChallenge> issued;
    {
        const std::lock_guard lock(state_->mutex);
        if (state_->throttled(login, peer, now))
            return throttledError(login, peer);
        // Consumed whatever comes next: a challenge allows one attempt.
        issued = state_->challenges.take(challenge, now);
        if (!issued || issued->login != login)
            return state_->failure(ErrorCode::InvalidToken, login, peer, now, "challenge",
                                   "challenge unknown, used, expired or issued for another login");
    }

    auto account = state_->accounts.find(login);
    if (!account)
        return account.error();
    const std::string authMessage = scram::authMessageFor(login, challenge, issued->salt, issued->iterations);
    const scram::Key& storedKey = *account ? (*account)->storedKey : state_->dummyStoredKey;
    const bool verified = scram::verifyProof(storedKey, proof, authMessage) && account->has_value();

    const std::lock_guard lock(state_->mutex);
    if (!verified)
        return state_->failure(ErrorCode::InvalidCredentials, login, peer, now, {},
                               *account ? "wrong proof" : "no such account");
    state_->accountFailures.clear(login);

    LoginGrant grant;
    grant.session = randomToken(sessionBytes);
    grant.ttl = state_->config.sessionTtl;
    grant.expires = state_->clock.wallNow() + state_->config.sessionTtl;
    const scram::Key signature = scram::serverSignature((*account)->serverKey, authMessage);
    grant.serverSignature.assign(signature.begin(), signature.end());
    state_->sessions.insert(sessionKey(grant.session), Principal{login, (*account)->permissions},
                            now + state_->config.sessionTtl, now);
    return grant;
}

Status Authenticator::logout(const std::string& session)
{
    if (Status valid = checkTokenText("session", session); !valid)
        return valid;
    const auto now = state_->clock.now();
    const std::lock_guard lock(state_->mutex);
    if (!state_->sessions.take(sessionKey(session), now))
        return makeError(ErrorCode::InvalidSession, "session", "logout of an unknown or expired session");
    return {};
}

Result<Principal> Authenticator::session(const std::string& token)
{
    if (Status valid = checkTokenText("Session", token); !valid)
        return valid.error();
    const auto now = state_->clock.now();
    const std::lock_guard lock(state_->mutex);
    const Principal* principal = state_->sessions.find(sessionKey(token), now);
    if (principal == nullptr)
        return makeError(ErrorCode::InvalidSession, "Session", "unknown or expired session");
    return *principal;
}

void Authenticator::reloadAccounts()
{
    std::set<std::string> names;
    {
        const std::lock_guard lock(state_->mutex);
        state_->sessions.pruneExpired(state_->clock.now());
        state_->sessions.retainIf([&names](const Principal& principal) {
            names.insert(principal.account);
            return true;
        });
    }

    // Read without the lock: logins go on meanwhile. An account that cannot
    // be read keeps its sessions as they are.
    std::map<std::string, std::optional<Permissions>> current; // nullopt: removed
    for (const std::string& name : names) {
        auto account = state_->accounts.find(name);
        if (account)
            current[name] = *account ? std::optional<Permissions>((*account)->permissions) : std::nullopt;
    }

    const std::lock_guard lock(state_->mutex);
    state_->sessions.retainIf([&current](Principal& principal) {
        const auto found = current.find(principal.account);
        if (found == current.end())
            return true;
        if (!found->second)
            return false;
        principal.permissions = *found->second;
        return true;
    });
}

std::size_t Authenticator::liveSessions() const
{
    const std::lock_guard lock(state_->mutex);
    state_->sessions.pruneExpired(state_->clock.now());
    return state_->sessions.size();
}

} // namespace ocs::auth
