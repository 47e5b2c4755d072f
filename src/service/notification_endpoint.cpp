#include "service/notification_endpoint.hpp"

#include "config/config.hpp"
#include "queue/event_router.hpp"
#include "service/entry.hpp"
#include "service/soap_types.hpp"

#ifndef OCS_VERSION
#define OCS_VERSION "unknown"
#endif

namespace ocs::service {
namespace {

EventType eventTypeOf(ocs__EventType type)
{
    switch (type) {
    case ocs__EventType::NewMail:
        return EventType::NewMail;
    case ocs__EventType::ObjectCreated:
        return EventType::ObjectCreated;
    case ocs__EventType::ObjectModified:
        return EventType::ObjectModified;
    case ocs__EventType::ObjectDeleted:
        return EventType::ObjectDeleted;
    case ocs__EventType::ObjectMoved:
        return EventType::ObjectMoved;
    case ocs__EventType::ObjectCopied:
        break;
    }
    return EventType::ObjectCopied;
}

template <typename T>
std::optional<T> optionalOf(const T* value)
{
    return value ? std::optional<T>(*value) : std::nullopt;
}

std::string textOf(const std::string* value)
{
    return value ? *value : std::string();
}

queue::Event eventOf(const ocs__Event& in)
{
    queue::Event event;
    event.type = eventTypeOf(in.type);
    event.kind = in.kind == ocs__ObjectKind::folder ? store::ObjectKind::Folder : store::ObjectKind::Message;
    event.backend = in.backend;
    event.username = in.username;
    event.folder = in.folder;
    event.messageId = textOf(in.messageID);
    event.oldFolder = textOf(in.oldFolder);
    event.oldMessageId = textOf(in.oldMessageID);
    event.parentFolder = textOf(in.parentFolder);
    event.oldParentFolder = textOf(in.oldParentFolder);
    event.messageClass = optionalOf(in.messageClass);
    event.flags = optionalOf(in.flags);
    event.totalCount = optionalOf(in.totalCount);
    event.unreadCount = optionalOf(in.unreadCount);
    return event;
}

queue::Event eventOf(const _ocs__NewMail& in)
{
    queue::Event event;
    event.backend = in.backend;
    event.username = in.username;
    event.folder = in.folder;
    event.messageId = in.messageID;
    event.messageClass = optionalOf(in.messageClass);
    event.flags = optionalOf(in.flags);
    event.totalCount = optionalOf(in.totalCount);
    event.unreadCount = optionalOf(in.unreadCount);
    return event;
}

ocs__EventResult* resultOf(struct soap* soap, std::size_t index, const Result<queue::EventResult>& result)
{
    auto* out = soap_new_ocs__EventResult(soap);
    out->index = static_cast<unsigned int>(index);
    if (result) {
        out->status = result->status == queue::Delivery::Duplicate ? ocs__EventStatus::duplicate
                                                                   : ocs__EventStatus::queued;
        out->queues = result->queues;
        return out;
    }
    const ErrorRow& row = result.error().row();
    out->status = ocs__EventStatus::error;
    out->queues = 0;
    out->error = soap_new_ocs__ErrorDetail(soap);
    out->error->code = row.code;
    out->error->name = std::string(row.name);
    out->error->message = std::string(row.message);
    if (!result.error().field.empty())
        out->error->field = newString(soap, result.error().field);
    return out;
}

// Counts what became of one event, for the request's log line and metrics.
void tally(RequestRecord& record, const Result<queue::EventResult>& result)
{
    if (!result)
        record.refused.push_back(result.error().code);
    else if (result->status == queue::Delivery::Duplicate)
        ++record.duplicates;
    else
        ++record.queued;
}

queue::Producer producerOf(const auth::Principal& caller)
{
    return {caller.account, caller.permissions};
}

} // namespace

NotificationEndpoint::NotificationEndpoint(struct soap* soap, Dependencies& deps, RequestRecord& record)
    : NotificationSoapService(soap), deps_(deps), record_(record)
{
}

NotificationEndpoint::~NotificationEndpoint()
{
    if (ownsContext_)
        soap_free(soap);
}

NotificationEndpoint* NotificationEndpoint::copy()
{
    struct soap* context = soap_copy(soap);
    if (!context)
        return nullptr;
    auto* endpoint = new NotificationEndpoint(context, deps_, record_);
    endpoint->ownsContext_ = true;
    return endpoint;
}

int NotificationEndpoint::NewMail(_ocs__NewMail* request, _ocs__NewMailResponse& response)
{
    return serveOperation(soap, deps_, record_, "NewMail", Access::Session, [&](const auth::Principal* caller) -> Status {
        auto results = deps_.router.deliver({eventOf(*request)}, producerOf(*caller));
        tally(record_, results.front());
        if (!results.front())
            return results.front().error();
        response.result = resultOf(soap, 0, results.front());
        return {};
    });
}

int NotificationEndpoint::Notify(_ocs__Notify* request, _ocs__NotifyResponse& response)
{
    return serveOperation(soap, deps_, record_, "Notify", Access::Session, [&](const auth::Principal* caller) -> Status {
        const std::size_t limit = deps_.config.limits.maxOccurs;
        if (request->event.size() > limit)
            return makeError(ErrorCode::PayloadTooLarge, "event",
                             std::to_string(request->event.size()) + " events, limit " + std::to_string(limit));
        std::vector<queue::Event> events;
        for (const ocs__Event* event : request->event) {
            if (!event)
                return makeError(ErrorCode::MalformedRequest, "event");
            events.push_back(eventOf(*event));
        }
        const auto results = deps_.router.deliver(events, producerOf(*caller));
        for (std::size_t i = 0; i < results.size(); ++i) {
            tally(record_, results[i]);
            response.result.push_back(resultOf(soap, i, results[i]));
        }
        return {};
    });
}

int NotificationEndpoint::Ping(_ocs__Ping*, _ocs__PingResponse& response)
{
    return serveOperation(soap, deps_, record_, "Ping", Access::Public, [&](const auth::Principal*) -> Status {
        response.version = OCS_VERSION;
        return {};
    });
}

} // namespace ocs::service
