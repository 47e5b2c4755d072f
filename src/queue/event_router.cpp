#include "queue/event_router.hpp"

#include "common/text.hpp"
#include "queue/matching.hpp"

#include <chrono>
#include <set>

namespace ocs::queue {

using store::ObjectKind;

// What one user needs from the registry to turn an event into entries.
struct UserPlan {
    std::string user;
    store::Fid fid = 0;
    store::Fid oldFid = 0;
    store::Fid parentFid = 0;
    store::Fid oldParentFid = 0;
    std::vector<store::Subscription> subscriptions;
};

struct EventRouter::Plan {
    std::size_t index = 0; // the event's place in the call
    std::string messageUri;
    std::string oldMessageUri;
    std::vector<UserPlan> users;
};

namespace {

// Whether the event brings a message to a place it was not before: seeing
// it there again makes the event a duplicate.
bool arrives(const Event& event)
{
    return event.kind == ObjectKind::Message && bringsMessage(event.type);
}

Error storeError(const Error& cause)
{
    return makeError(ErrorCode::StoreUnavailable, {}, cause.detail);
}

store::QueueEntry baseEntry(const Event& event, const UserPlan& user, const std::string& producer, std::int64_t timeMs)
{
    store::QueueEntry entry;
    // Messages are named by URI; OpenChange gives them their ids.
    entry.type = event.type;
    entry.kind = event.kind;
    entry.fid = user.fid;
    entry.oldFid = user.oldFid;
    entry.parentFid = user.parentFid;
    entry.oldParentFid = user.oldParentFid;
    entry.messageFlags = event.flags;
    entry.totalCount = event.totalCount;
    entry.unreadCount = event.unreadCount;
    entry.messageClass = event.messageClass.value_or("");
    entry.producer = producer;
    entry.timeMs = timeMs;
    return entry;
}

} // namespace

EventRouter::EventRouter(const Backends& backends, store::Registry& registry, CommitWriter& writer, const Clock& clock,
                         std::size_t maxFieldLength, Notifier* notifier, EventTally tally)
    : backends_(backends), registry_(registry), writer_(writer), clock_(clock), maxFieldLength_(maxFieldLength),
      notifier_(notifier), tally_(std::move(tally))
{
}

Status EventRouter::check(const Event& event, const Producer& producer) const
{
    if (Status s = validateField("backend", event.backend, maxFieldLength_); !s)
        return s;
    if (!backends_.find(event.backend))
        return makeError(ErrorCode::UnknownBackend, "backend", "backend " + event.backend + " is not configured");
    if (!producer.permissions.allowsBackend(event.backend))
        return makeError(ErrorCode::AccessForbidden, "backend",
                         producer.account + " may not report for backend " + event.backend);
    if (!producer.permissions.allowsEvent(event.type))
        return makeError(ErrorCode::AccessForbidden, "type",
                         producer.account + " may not report " + std::string(eventTypeName(event.type)));
    if (event.type == EventType::NewMail && event.kind != ObjectKind::Message)
        return makeError(ErrorCode::InvalidParameter, "kind", "NewMail is about a message");
    for (const auto& [field, value] :
         {std::pair<const char*, const std::string&>{"username", event.username}, {"folder", event.folder}}) {
        if (Status s = validateField(field, value, maxFieldLength_); !s)
            return s;
    }
    if (event.kind == ObjectKind::Message) {
        if (Status s = validateField("messageID", event.messageId, maxFieldLength_); !s)
            return s;
    }
    if (isMoveOrCopy(event.type)) {
        if (Status s = validateField("oldFolder", event.oldFolder, maxFieldLength_); !s)
            return s;
    }
    for (const auto& [field, value] : {std::pair<const char*, const std::string&>{"oldFolder", event.oldFolder},
                                       {"oldMessageID", event.oldMessageId},
                                       {"parentFolder", event.parentFolder},
                                       {"oldParentFolder", event.oldParentFolder}}) {
        if (Status s = validateOptionalField(field, value, maxFieldLength_); !s)
            return s;
    }
    if (event.messageClass)
        return validateOptionalField("messageClass", *event.messageClass, maxFieldLength_);
    return {};
}

Result<EventRouter::Plan> EventRouter::plan(const Event& event) const
{
    const BackendConfig& backend = *backends_.find(event.backend);
    const std::string owner = Backends::userKey(backend, event.username);
    const std::string folderUri = Backends::folderUri(backend, owner, event.folder);
    auto uriOf = [&](const std::string& folder) {
        return folder.empty() ? std::string() : Backends::folderUri(backend, owner, folder);
    };
    const std::string oldFolderUri = uriOf(event.oldFolder);
    const std::string parentUri = uriOf(event.parentFolder);
    const std::string oldParentUri = uriOf(event.oldParentFolder);

    Plan plan;
    if (event.kind == ObjectKind::Message) {
        plan.messageUri = Backends::messageUri(backend, owner, event.folder, event.messageId);
        const std::string& oldId = event.oldMessageId.empty() ? event.messageId : event.oldMessageId;
        if (isMoveOrCopy(event.type))
            plan.oldMessageUri = Backends::messageUri(backend, owner, event.oldFolder, oldId);
    }
    auto users = registry_.usersBoundTo(event.backend, owner);
    if (!users)
        return storeError(users.error());
    for (const std::string& user : *users) {
        // OpenChange does not know this folder for the user: nothing to say.
        auto fid = registry_.folderId(user, folderUri);
        if (!fid)
            return storeError(fid.error());
        if (!*fid)
            continue;
        UserPlan target{user, **fid, 0, 0, 0, {}};
        for (auto [uri, out] : {std::pair{&oldFolderUri, &target.oldFid}, std::pair{&parentUri, &target.parentFid},
                                std::pair{&oldParentUri, &target.oldParentFid}}) {
            if (uri->empty())
                continue;
            auto known = registry_.folderId(user, *uri);
            if (!known)
                return storeError(known.error());
            *out = known->value_or(0);
        }
        auto subscriptions = registry_.subscriptions(user);
        if (!subscriptions)
            return storeError(subscriptions.error());
        target.subscriptions = std::move(*subscriptions);
        plan.users.push_back(std::move(target));
    }
    return plan;
}

std::vector<Result<EventResult>> EventRouter::deliver(const std::vector<Event>& events, const Producer& producer)
{
    std::vector<Result<EventResult>> results(events.size(), makeError(ErrorCode::InternalError));
    std::vector<Plan> plans;
    for (std::size_t i = 0; i < events.size(); ++i) {
        Status valid = check(events[i], producer);
        auto planned = valid ? plan(events[i]) : Result<Plan>(valid.error());
        if (!planned) {
            results[i] = planned.error();
            continue;
        }
        planned->index = i;
        plans.push_back(std::move(*planned));
    }
    if (plans.empty())
        return results;

    const auto timeMs =
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_.wallNow().time_since_epoch()).count();
    std::vector<EventResult> delivered(plans.size());
    Status committed = writer_.submit([&](store::Batch& batch) -> Status {
        if (tally_)
            tally_(plans.size());
        std::set<std::string> sessions; // those that received an entry
        for (std::size_t p = 0; p < plans.size(); ++p) {
            const Plan& plan = plans[p];
            const Event& event = events[plan.index];
            EventResult outcome;
            // A message brought where the duplicate window saw it already.
            if (arrives(event) && !batch.firstSighting(plan.messageUri)) {
                outcome.status = Delivery::Duplicate;
                delivered[p] = outcome;
                continue;
            }
            for (const UserPlan& user : plan.users) {
                store::QueueEntry entry = baseEntry(event, user, producer.account, timeMs);
                entry.messageUri = plan.messageUri;
                entry.oldMessageUri = plan.oldMessageUri;
                std::set<store::QueueKey> queues;
                for (const store::Subscription& subscription : user.subscriptions) {
                    if (!wants(subscription, entry))
                        continue;
                    queues.insert(store::queueOf(user.user, subscription));
                    sessions.insert(subscription.session);
                }
                for (const store::QueueKey& queue : queues) {
                    if (auto appended = batch.append(queue, entry); !appended)
                        return appended.error();
                }
                outcome.queues += static_cast<unsigned>(queues.size());
            }
            delivered[p] = outcome;
        }
        if (notifier_ && !sessions.empty())
            batch.whenVisible([notifier = notifier_, sessions] { notifier->notify(sessions); });
        return {};
    });
    for (std::size_t p = 0; p < plans.size(); ++p)
        results[plans[p].index] =
            committed ? Result<EventResult>(delivered[p]) : Result<EventResult>(committed.error());
    return results;
}

} // namespace ocs::queue
