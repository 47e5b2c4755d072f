// A producer's side of the contract, on the generated proxies: ping, the
// SCRAM login (with the server signature checked), NewMail, logout. Used by
// the ocsmanager-client tool and by the integration tests.
#pragma once

#include "common/bytes.hpp"

#include <cstdint>
#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ocs::producer {

struct ClientOptions {
    std::string url = "http://127.0.0.1:5000/";
    int soapVersion = 1;       // 1: SOAP 1.1, 2: SOAP 1.2
    std::string caFile;        // https: the CA that signed the server's certificate
    bool verifyServer = true;  // https: check the certificate and host name
    int timeoutSeconds = 10;
};

// Why a call failed: a fault with the typed detail, or a transport error
// (code 0, name "Transport").
struct CallError {
    int code = 0;
    std::string name;
    std::string message;
    std::string field;
};

struct Challenge {
    std::string challenge;
    Bytes salt;
    std::uint32_t iterations = 0;
    std::string mechanism;
    unsigned ttl = 0;
};

struct Grant {
    std::string session;
    std::time_t expires = 0;
    unsigned ttl = 0;
    Bytes serverSignature;
};

struct NewMailRequest {
    std::string backend;
    std::string username;
    std::string folder;
    std::string messageId;
    std::optional<std::string> messageClass;
    std::optional<std::uint32_t> flags;
    std::optional<std::uint32_t> totalCount;
    std::optional<std::uint32_t> unreadCount;
};

struct NewMailResult {
    std::string status; // "queued" or "duplicate"
    unsigned queues = 0;
};

// One event of a Notify batch; type and kind as the contract spells them
// ("ObjectMoved", "message").
struct NotifyEvent {
    std::string type = "NewMail";
    std::string kind = "message";
    std::string backend;
    std::string username;
    std::string folder;
    std::optional<std::string> messageId;
    std::optional<std::string> oldFolder;
    std::optional<std::string> oldMessageId;
    std::optional<std::string> parentFolder;
    std::optional<std::string> oldParentFolder;
    std::optional<std::string> messageClass;
    std::optional<std::uint32_t> flags;
    std::optional<std::uint32_t> totalCount;
    std::optional<std::uint32_t> unreadCount;
};

struct EventOutcome {
    unsigned index = 0;
    std::string status; // "queued", "duplicate" or "error"
    unsigned queues = 0;
    CallError error;    // for "error"
};

class ProducerClient {
public:
    explicit ProducerClient(ClientOptions options);
    ~ProducerClient();
    ProducerClient(const ProducerClient&) = delete;
    ProducerClient& operator=(const ProducerClient&) = delete;

    bool ping(std::string& version);
    bool getToken(const std::string& login, Challenge& out);
    bool sendProof(const std::string& login, const std::string& challenge, const Bytes& proof, Grant& out);
    // GetToken, then Login with the SCRAM proof; fails unless the server's
    // signature proves it knows the account's verifier.
    bool login(const std::string& login, const std::string& password);
    bool logout();
    bool newMail(const NewMailRequest& request, NewMailResult& out);
    bool notify(const std::vector<NotifyEvent>& events, std::vector<EventOutcome>& out);

    const std::string& session() const { return session_; }
    void setSession(std::string session) { session_ = std::move(session); }
    const CallError& lastError() const { return error_; }

private:
    struct Impl;
    bool failed();
    bool failedWith(std::string name, std::string message);

    std::unique_ptr<Impl> impl_;
    std::string session_;
    CallError error_;
};

} // namespace ocs::producer
