// Fuzz target: the decoders of the TDB records (store/records.hpp, read by
// the daemon and by the client module, and the account record of
// accounts.tdb) and the queue key parser. The first byte chooses the
// decoder, the rest is the record (or key). A decoder must never crash;
// whatever it accepts must encode into a record that decodes to the same
// value and encodes to the same bytes again.
#include "auth/account_record.hpp"
#include "store/records.hpp"

#include <cstdint>
#include <iterator>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace ocs;
using namespace ocs::store;

constexpr std::string_view kKey = "fuzz";

[[noreturn]] void fail(const char* what)
{
    std::fprintf(stderr, "fuzz_queue_record: %s\n", what);
    std::abort();
}

// decode(record) accepted: decode(encode(value)) is the same value, and
// encoding is stable from there on.
template <typename Value, typename Encode, typename Decode, typename Same>
void checkRoundTrip(const Result<Value>& decoded, Encode encode, Decode decode, Same same, const char* name)
{
    if (!decoded)
        return;
    const std::string encoded = encode(*decoded);
    const Result<Value> again = decode(encoded);
    if (!again)
        fail((std::string(name) + ": its own encoding is rejected").c_str());
    if (!same(*decoded, *again))
        fail((std::string(name) + ": the value changed on the way through the encoder").c_str());
    if (encode(*again) != encoded)
        fail((std::string(name) + ": encoding is not stable").c_str());
}

template <typename Value, typename Encode>
void checkStoreRecord(Result<Value> (*decode)(std::string_view, std::string_view), Encode encode,
                      std::string_view record, const char* name)
{
    const auto decodeHere = [decode](std::string_view bytes) { return decode(bytes, kKey); };
    const auto equal = [](const Value& a, const Value& b) { return a == b; };
    checkRoundTrip(decode(record, kKey), encode, decodeHere, equal, name);
}

// Accounts have no operator== (keys are secrets, compared in constant time
// where it matters): the encoded bytes stand for the value.
void checkAccount(std::string_view record)
{
    const auto decode = [](std::string_view bytes) { return auth::decodeAccount("fuzz", bytes); };
    const auto sameBytes = [](const auth::Account& a, const auth::Account& b) {
        return auth::encodeAccount(a) == auth::encodeAccount(b);
    };
    checkRoundTrip(decode(record), auth::encodeAccount, decode, sameBytes, "account");
}

// A queue or entry key that parses names a queue whose own keys parse back
// to it.
void checkQueueKey(std::string_view key)
{
    QueueKey parsed;
    if (!keys::parseQueue(key, parsed))
        return;
    QueueKey again;
    if (!keys::parseQueue(keys::queue(parsed), again) || !(again == parsed))
        fail("queue key: queue() of a parsed key does not parse back");
    if (!keys::parseQueue(keys::entry(parsed, 1), again) || !(again == parsed))
        fail("queue key: entry() of a parsed key does not parse back");
}

using Check = void (*)(std::string_view record);

// Indexed by the input's first byte, modulo their number.
const Check kChecks[] = {
    [](std::string_view r) { checkStoreRecord(decodeBindings, encodeBindings, r, "bindings"); },
    [](std::string_view r) { checkStoreRecord(decodeSubscriptions, encodeSubscriptions, r, "subscriptions"); },
    [](std::string_view r) { checkStoreRecord(decodeNumber, encodeNumber, r, "number"); },
    [](std::string_view r) { checkStoreRecord(decodeQueueState, encodeQueueState, r, "queue state"); },
    [](std::string_view r) { checkStoreRecord(decodeEntry, encodeEntry, r, "entry"); },
    [](std::string_view r) { checkStoreRecord(decodePush, encodePush, r, "push registration"); },
    [](std::string_view r) { checkStoreRecord(decodeRun, encodeRun, r, "run of entries"); },
    checkAccount,
    checkQueueKey,
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size == 0)
        return 0;
    kChecks[data[0] % std::size(kChecks)](std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
    return 0;
}
