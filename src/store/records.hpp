// The TDB layout of the notification state: keys and versioned,
// length-prefixed values (common/binary.hpp). The client module reads and
// writes the same records from other processes, so this file is the format.
#pragma once

#include "common/result.hpp"
#include "store/batch.hpp"
#include "store/duplicate_window.hpp"
#include "store/journal.hpp"
#include "store/model.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace ocs::store {

// --- keys: a type letter, then fields separated by US (0x1f), which no
// validated name or URI contains; numbers as 16 hex digits so they sort.
namespace keys {
std::string binding(std::string_view backend, std::string_view backendUser); // registry
std::string folderByUri(std::string_view user, std::string_view uri);        // registry
std::string folderById(std::string_view user, Fid fid);                      // registry
std::string subscriptions(std::string_view user);                            // registry
std::string cursor(std::string_view session, const QueueKey& queue);         // registry
std::string push(std::string_view session);                                  // registry
std::string pushHandleCounter();                                             // registry
std::string watchers(std::string_view session);                              // registry
std::string generation(std::uint64_t number);                                // store: duplicate window
std::string format();                                                        // store: its layout's version
std::string journal();                                                       // store: applied up to
std::string queue(const QueueKey& queue);                                    // store
// The run of entries that starts at this sequence (below).
std::string entry(const QueueKey& queue, std::uint64_t sequence); // store
// Parses a queue() or entry() key back (for tools walking the file).
bool parseQueue(std::string_view key, QueueKey& out);
bool isGeneration(std::string_view key);
// Keys of the layout before entries named messages by URI (format 1: the
// daemon allocated message ids), which the daemon migrates.
bool isFormat1MessageIndex(std::string_view key); // "m…", "M…" and "counter"
std::string format1MessageById(std::string_view user, Mid mid);
inline constexpr char kSeparator = '\x1f';
} // namespace keys

// Where the daemon sends a session's UDP push (EcRRegisterPushNotification),
// and whether it may: one datagram, then none until the session drains.
struct PushRegistration {
    std::string user;
    std::uint32_t handle = 0; // the notification handle answered to the client
    std::string context;      // the client's context bytes, sent as they are
    std::uint8_t family = 4;  // 4 or 6
    std::uint16_t port = 0;   // host order
    std::string address;      // 4 or 16 bytes, network order
    bool armed = true;

    bool operator==(const PushRegistration& other) const
    {
        return std::tie(user, handle, context, family, port, address, armed) ==
               std::tie(other.user, other.handle, other.context, other.family, other.port, other.address, other.armed);
    }
};

struct BindingHolder {
    std::string user;
    std::uint32_t references = 0;

    bool operator==(const BindingHolder& other) const { return user == other.user && references == other.references; }
};

std::string encodeBindings(const std::vector<BindingHolder>& holders);
std::string encodeSubscriptions(const std::vector<Subscription>& subscriptions);
std::string encodeNumber(std::uint64_t value);
std::string encodeQueueState(const QueueState& state);
std::string encodeEntry(const QueueEntry& entry);
std::string encodePush(const PushRegistration& push);
// The tokens of the processes watching a session (ocs_watch_open).
std::string encodeWatchers(const std::vector<std::string>& tokens);
std::string encodePosition(const JournalPosition& position);
// A journal record's payload (not a TDB value).
std::string encodeChanges(const Changes& changes);

// The version of store.tdb's layout this build writes (the `format` key;
// absent in format 1, where entries held the daemon's message ids).
inline constexpr std::uint64_t kStoreFormat = 2;

std::string encodeGeneration(const Generation& generation);

// Decoders fail with InternalError naming `key` on a truncated record or an
// unknown version.
Result<std::vector<BindingHolder>> decodeBindings(std::string_view record, std::string_view key);
Result<std::vector<Subscription>> decodeSubscriptions(std::string_view record, std::string_view key);
Result<std::uint64_t> decodeNumber(std::string_view record, std::string_view key);
Result<QueueState> decodeQueueState(std::string_view record, std::string_view key);
Result<QueueEntry> decodeEntry(std::string_view record, std::string_view key);
Result<Generation> decodeGeneration(std::string_view record, std::string_view key);

// A queue's entries are stored in runs: the entries one store.tdb
// transaction appends to a queue, up to kMaxRun, in one record keyed by the
// first one's sequence. The value is the entries' records one after the
// other, so a run of one is the record of its entry. Sequences of a run
// follow each other without gaps.
inline constexpr std::size_t kMaxRun = 32;
std::string encodeRun(const std::vector<QueueEntry>& run);
Result<std::vector<QueueEntry>> decodeRun(std::string_view record, std::string_view key);
// A run of format 1 (entries with the daemon's MIDs in place of URIs), the
// URIs looked up through `uriOf` (migration).
Result<std::vector<QueueEntry>> decodeFormat1Run(std::string_view record, std::string_view key,
                                                 const std::function<std::string(Mid)>& uriOf);
Result<PushRegistration> decodePush(std::string_view record, std::string_view key);
Result<std::vector<std::string>> decodeWatchers(std::string_view record, std::string_view key);
Result<JournalPosition> decodePosition(std::string_view record, std::string_view key);
Result<Changes> decodeChanges(std::string_view record);

} // namespace ocs::store
