// libFuzzer target: arbitrary client bytes through the request framer, the way a worker
// feeds them (head first, then the body in pieces), checking that the framer never reads
// outside the input, never consumes more than it is given, and never loops.
#include <core/proxy/headrewriter.h>
#include <core/proxy/messageframer.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace {

constexpr std::size_t FuzzHeadLimit = 4096;
constexpr int FuzzFieldLimit = 32;
/// The body is fed in slices of this many bytes to exercise the resumable states.
constexpr std::size_t SliceBytes = 7;

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    using Shoal::Core::MessageFramer;
    const char *bytes = reinterpret_cast<const char *>(data);
    MessageFramer framer(MessageFramer::Kind::Request, FuzzHeadLimit, FuzzFieldLimit);
    std::size_t offset = 0;
    // Several pipelined messages may be in one input.
    while (offset < size) {
        framer.reset();
        if (framer.parseHead(bytes + offset, size - offset) !=
            MessageFramer::HeadResult::Complete) {
            return 0;
        }
        if (framer.headSize() == 0 || framer.headSize() > size - offset) {
            std::abort();
        }
        std::string upstream;
        Shoal::Core::HeadRewriter::appendUpstreamRequest(upstream, framer, "127.0.0.1");
        offset += framer.headSize();
        while (!framer.messageComplete() && offset < size) {
            const std::size_t slice = std::min(SliceBytes, size - offset);
            const std::size_t used = framer.feedBody(bytes + offset, slice);
            if (framer.bodyError()) {
                return 0;
            }
            if (used > slice || (used == 0 && !framer.messageComplete())) {
                std::abort();
            }
            offset += used;
        }
        if (!framer.messageComplete()) {
            return 0;
        }
    }
    return 0;
}
