#include "producer/producer_client.hpp"

#include "auth/scram.hpp"
#include "service/soap_types.hpp"

#include "soapAuthenticationSoapProxy.h"
#include "soapNotificationSoapProxy.h"

#include <openssl/crypto.h>

#include <vector>

namespace ocs::producer {
namespace {

template <typename T>
T* optionalOf(struct soap* soap, const std::optional<T>& value)
{
    if (!value)
        return nullptr;
    T* copy = static_cast<T*>(soap_malloc(soap, sizeof(T)));
    *copy = *value;
    return copy;
}

std::string* optionalOf(struct soap* soap, const std::optional<std::string>& value)
{
    return value ? service::newString(soap, *value) : nullptr;
}

CallError callErrorOf(const ocs__ErrorDetail& detail)
{
    return CallError{detail.code, detail.name, detail.message, detail.field ? *detail.field : std::string()};
}

// Fills a generated event; false when type or kind is not a contract name.
bool toSoapEvent(struct soap* soap, const NotifyEvent& in, ocs__Event& out)
{
    out.soap_default(soap);
    if (soap_s2ocs__EventType(soap, in.type.c_str(), &out.type) != SOAP_OK ||
        soap_s2ocs__ObjectKind(soap, in.kind.c_str(), &out.kind) != SOAP_OK)
        return false;
    out.backend = in.backend;
    out.username = in.username;
    out.folder = in.folder;
    out.messageID = optionalOf(soap, in.messageId);
    out.oldFolder = optionalOf(soap, in.oldFolder);
    out.oldMessageID = optionalOf(soap, in.oldMessageId);
    out.parentFolder = optionalOf(soap, in.parentFolder);
    out.oldParentFolder = optionalOf(soap, in.oldParentFolder);
    out.messageClass = optionalOf(soap, in.messageClass);
    out.flags = optionalOf(soap, in.flags);
    out.totalCount = optionalOf(soap, in.totalCount);
    out.unreadCount = optionalOf(soap, in.unreadCount);
    return true;
}

} // namespace

struct ProducerClient::Impl {
    struct soap* soap;
    AuthenticationSoapProxy authentication;
    NotificationSoapProxy notification;
    std::string url;
    // The generated namespace table names the SOAP 1.2 envelope first (the
    // WSDL binds both versions), and every generated call starts from the
    // table: the version asked for is chosen by the table the calls use.
    std::vector<Namespace> namespaces;

    explicit Impl(const ClientOptions& options)
        : soap(soap_new2(SOAP_IO_KEEPALIVE | SOAP_C_UTFSTRING, SOAP_IO_KEEPALIVE | SOAP_C_UTFSTRING)),
          authentication(soap), notification(soap), url(options.url)
    {
        for (const Namespace* entry = soap->namespaces; entry && entry->id; ++entry)
            namespaces.push_back(*entry);
        namespaces.push_back({nullptr, nullptr, nullptr, nullptr});
        if (options.soapVersion != 2 && namespaces.size() > 2) {
            namespaces[0].ns = "http://schemas.xmlsoap.org/soap/envelope/";
            namespaces[0].in = "http://www.w3.org/*/soap-envelope";
            namespaces[1].ns = "http://schemas.xmlsoap.org/soap/encoding/";
            namespaces[1].in = "http://www.w3.org/*/soap-encoding";
        }
        soap_set_namespaces(soap, namespaces.data());
        soap->connect_timeout = options.timeoutSeconds;
        soap->recv_timeout = options.timeoutSeconds;
        soap->send_timeout = options.timeoutSeconds;
        if (url.rfind("https:", 0) == 0) {
            const unsigned short flags =
                options.verifyServer ? SOAP_SSL_DEFAULT : (SOAP_SSL_NO_AUTHENTICATION | SOAP_TLSv1_2 | SOAP_TLSv1_3);
            soap_ssl_client_context(soap, flags, nullptr, nullptr,
                                    options.caFile.empty() ? nullptr : options.caFile.c_str(), nullptr, nullptr);
        }
    }

    ~Impl()
    {
        soap_destroy(soap);
        soap_end(soap);
        soap_free(soap);
    }

    // Each call starts from a clean context: earlier results are freed and the
    // namespace table (which a response can change) is put back.
    void begin()
    {
        soap_destroy(soap);
        soap_end(soap);
        soap_set_namespaces(soap, namespaces.data());
        soap->header = nullptr;
    }
};

ProducerClient::ProducerClient(ClientOptions options) : impl_(std::make_unique<Impl>(options)) {}

ProducerClient::~ProducerClient() = default;

bool ProducerClient::failedWith(std::string name, std::string message)
{
    error_ = CallError{0, std::move(name), std::move(message), {}};
    return false;
}

bool ProducerClient::failed()
{
    struct soap* soap = impl_->soap;
    const SOAP_ENV__Fault* fault = soap->fault;
    const SOAP_ENV__Detail* detail = fault ? (fault->detail ? fault->detail : fault->SOAP_ENV__Detail) : nullptr;
    if (detail && detail->ocs__Error) {
        error_ = callErrorOf(*detail->ocs__Error);
        return false;
    }
    const char* text = *soap_faultstring(soap);
    return failedWith("Transport", text ? text : "error " + std::to_string(soap->error));
}

bool ProducerClient::ping(std::string& version)
{
    impl_->begin();
    _ocs__Ping request;
    _ocs__PingResponse response;
    if (impl_->notification.Ping(impl_->url.c_str(), nullptr, &request, response) != SOAP_OK)
        return failed();
    version = response.version;
    return true;
}

bool ProducerClient::getToken(const std::string& login, Challenge& out)
{
    impl_->begin();
    _ocs__GetToken request;
    request.login = login;
    _ocs__GetTokenResponse response;
    if (impl_->authentication.GetToken(impl_->url.c_str(), nullptr, &request, response) != SOAP_OK)
        return failed();
    out = Challenge{response.challenge, service::toBytes(response.salt), response.iterations, response.mechanism, response.ttl};
    return true;
}

bool ProducerClient::sendProof(const std::string& login, const std::string& challenge, const Bytes& proof, Grant& out)
{
    impl_->begin();
    _ocs__Login request;
    request.login = login;
    request.challenge = challenge;
    request.proof = service::toBase64Binary(impl_->soap, proof);
    _ocs__LoginResponse response;
    if (impl_->authentication.Login(impl_->url.c_str(), nullptr, &request, response) != SOAP_OK)
        return failed();
    out = Grant{response.session, response.expires, response.ttl, service::toBytes(response.serverSignature)};
    return true;
}

bool ProducerClient::login(const std::string& login, const std::string& password)
{
    Challenge challenge;
    if (!getToken(login, challenge))
        return false;
    if (challenge.mechanism != scram::mechanism)
        return failedWith("Protocol", "unsupported mechanism " + challenge.mechanism);
    if (challenge.iterations == 0 || challenge.iterations > scram::maxIterations)
        return failedWith("Protocol", "unreasonable iteration count " + std::to_string(challenge.iterations));

    const scram::Key salted = scram::saltedPassword(password, challenge.salt, challenge.iterations);
    const scram::Key clientKey = scram::clientKey(salted);
    const std::string authMessage =
        scram::authMessageFor(login, challenge.challenge, challenge.salt, challenge.iterations);
    const scram::Key signature = scram::clientSignature(scram::storedKey(clientKey), authMessage);
    const scram::Key proof = scram::clientProof(clientKey, signature);

    Grant grant;
    if (!sendProof(login, challenge.challenge, Bytes(proof.begin(), proof.end()), grant))
        return false;
    const scram::Key expected = scram::serverSignature(scram::serverKey(salted), authMessage);
    if (grant.serverSignature.size() != expected.size() ||
        CRYPTO_memcmp(grant.serverSignature.data(), expected.data(), expected.size()) != 0)
        return failedWith("ServerSignature", "the server could not prove it knows this account");
    session_ = grant.session;
    return true;
}

bool ProducerClient::logout()
{
    impl_->begin();
    _ocs__Logout request;
    request.session = session_;
    _ocs__LogoutResponse response;
    if (impl_->authentication.Logout(impl_->url.c_str(), nullptr, &request, response) != SOAP_OK)
        return failed();
    session_.clear();
    return true;
}

bool ProducerClient::newMail(const NewMailRequest& in, NewMailResult& out)
{
    impl_->begin();
    struct soap* soap = impl_->soap;
    impl_->notification.soap_header(service::newString(soap, session_));
    _ocs__NewMail request;
    request.backend = in.backend;
    request.username = in.username;
    request.folder = in.folder;
    request.messageID = in.messageId;
    request.messageClass = optionalOf(soap, in.messageClass);
    request.flags = optionalOf(soap, in.flags);
    request.totalCount = optionalOf(soap, in.totalCount);
    request.unreadCount = optionalOf(soap, in.unreadCount);
    _ocs__NewMailResponse response;
    if (impl_->notification.NewMail(impl_->url.c_str(), nullptr, &request, response) != SOAP_OK)
        return failed();
    if (!response.result)
        return failedWith("Protocol", "NewMailResponse without a result");
    out.status = soap_ocs__EventStatus2s(soap, response.result->status);
    out.queues = response.result->queues;
    return true;
}

bool ProducerClient::notify(const std::vector<NotifyEvent>& events, std::vector<EventOutcome>& out)
{
    impl_->begin();
    struct soap* soap = impl_->soap;
    impl_->notification.soap_header(service::newString(soap, session_));
    _ocs__Notify request;
    for (const NotifyEvent& event : events) {
        auto* soapEvent = soap_new_ocs__Event(soap);
        if (!toSoapEvent(soap, event, *soapEvent))
            return failedWith("Usage", "unknown event type or kind: " + event.type + "/" + event.kind);
        request.event.push_back(soapEvent);
    }
    _ocs__NotifyResponse response;
    if (impl_->notification.Notify(impl_->url.c_str(), nullptr, &request, response) != SOAP_OK)
        return failed();
    out.clear();
    for (const ocs__EventResult* result : response.result) {
        if (!result)
            continue;
        EventOutcome outcome{result->index, soap_ocs__EventStatus2s(soap, result->status), result->queues, {}};
        if (result->error)
            outcome.error = callErrorOf(*result->error);
        out.push_back(std::move(outcome));
    }
    return true;
}

} // namespace ocs::producer
