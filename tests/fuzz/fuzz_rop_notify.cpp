// Fuzz target: the RopNotify encoder and decoder (client_module/rop_notify).
//   1. The input as RopNotify bytes: the decoder must never crash, and what it
//      reads must encode into bytes that decode to the same notifications.
//   2. The input as the makings of up to eight notifications (one drain's
//      worth, concatenated as a drain writes them): each encoded, the whole
//      buffer decoded, and every notification read back must be the one
//      written, reduced to the fields its flags make present.
#include "client_module/rop_notify.hpp"
#include "common/text.hpp"

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using namespace ocs;
using namespace ocs::client_module;
namespace flag = notification_flags;

[[noreturn]] void fail(const std::string& what, const DecodedNotify& notify)
{
    std::fprintf(stderr, "fuzz_rop_notify: %s\n  %s\n", what.c_str(), describe(notify).c_str());
    std::abort();
}

std::string encodeAll(const std::vector<DecodedNotify>& notifies)
{
    std::string out;
    for (const DecodedNotify& n : notifies)
        out += encodeRopNotify(n.handle, n.logonId, n.data);
    return out;
}

void checkDecodedInput(const std::uint8_t* data, std::size_t size)
{
    const auto decoded = decodeRopNotifies(ByteView(data, size));
    if (!decoded)
        return;
    const auto again = decodeRopNotifies(encodeAll(*decoded));
    if (!again || again->size() != decoded->size())
        fail("decoded notifications do not survive encoding", decoded->front());
    for (std::size_t i = 0; i < decoded->size(); ++i) {
        if ((*again)[i] != (*decoded)[i])
            fail("a decoded notification changed through encoding", (*decoded)[i]);
    }
}

constexpr std::uint16_t kTypes[] = {0x0002, 0x0004, 0x0008, 0x0010, 0x0020, 0x0040, 0x0100};
constexpr TableEvent kTableEvents[] = {TableEvent::Changed, TableEvent::RowAdded, TableEvent::RowDeleted,
                                       TableEvent::RowModified, TableEvent::RestrictDone};

NotificationData makeNotification(FuzzedDataProvider& in)
{
    NotificationData d;
    d.flags = static_cast<std::uint16_t>(in.PickValueInArray(kTypes) | (in.ConsumeIntegral<std::uint16_t>() & 0xF000));
    d.tableEvent = in.PickValueInArray(kTableEvents);
    for (std::uint64_t* id : {&d.tableRowFid, &d.tableRowMid, &d.insertAfterFid, &d.insertAfterMid, &d.fid, &d.mid,
                              &d.parentFid, &d.oldFid, &d.oldMid, &d.oldParentFid})
        *id = in.ConsumeIntegral<std::uint64_t>();
    for (std::uint32_t* number :
         {&d.tableRowInstance, &d.insertAfterInstance, &d.totalCount, &d.unreadCount, &d.messageFlags})
        *number = in.ConsumeIntegral<std::uint32_t>();
    d.tableRowData = in.ConsumeRandomLengthString(0xFFFF);
    if (in.ConsumeBool()) {
        d.tags.emplace();
        const std::size_t count = in.ConsumeIntegralInRange<std::size_t>(0, 300);
        for (std::size_t i = 0; i < count && in.remaining_bytes() > 0; ++i)
            d.tags->push_back(in.ConsumeIntegral<std::uint32_t>());
    }
    d.unicode = in.ConsumeBool();
    d.messageClass = in.ConsumeRandomLengthString(512);
    return d;
}

// What the decoder must read back: the fields the flags make present, with
// the values written — for a MessageClass that is text (valid UTF-8 when
// written as UTF-16).
void checkReadBack(const DecodedNotify& written, const DecodedNotify& read)
{
    DecodedNotify expected = written;
    expected.data = presentFields(written.data);
    const bool newMail = written.data.type() == store::fnev::NewMail;
    if (newMail && written.data.unicode && !isValidUtf8(written.data.messageClass)) {
        if (!isValidUtf8(read.data.messageClass))
            fail("MessageClass read back from UTF-16 is not UTF-8", read);
        expected.data.messageClass = read.data.messageClass;
    }
    if (read != expected)
        fail("read back: " + describe(read), expected);
}

void checkEncodedNotifications(const std::uint8_t* data, std::size_t size)
{
    FuzzedDataProvider in(data, size);
    std::vector<DecodedNotify> written;
    const std::size_t count = in.ConsumeIntegralInRange<std::size_t>(1, 8);
    for (std::size_t i = 0; i < count; ++i) {
        const auto handle = in.ConsumeIntegral<std::uint32_t>();
        const auto logonId = in.ConsumeIntegral<std::uint8_t>();
        written.push_back(DecodedNotify{handle, logonId, makeNotification(in)});
    }
    const auto read = decodeRopNotifies(encodeAll(written));
    if (!read)
        fail("encoded notifications are rejected: " + read.error().detail, written.front());
    if (read->size() != written.size())
        fail(std::to_string(written.size()) + " notifications written, " + std::to_string(read->size()) + " read",
             written.front());
    for (std::size_t i = 0; i < written.size(); ++i)
        checkReadBack(written[i], (*read)[i]);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    checkDecodedInput(data, size);
    checkEncodedNotifications(data, size);
    return 0;
}
