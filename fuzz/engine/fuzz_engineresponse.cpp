// Feeds arbitrary bytes to the engine client's response handling, cut into pieces of a size
// the input chooses, the way a socket may deliver them.
#include <core/engine/containerstats.h>
#include <core/engine/enginereply.h>
#include <core/engine/httpresponseparser.h>
#include <core/engine/jsonlinesplitter.h>
#include <core/engine/logstreamdecoder.h>

#include <QJsonDocument>
#include <QJsonObject>

#include <cstddef>
#include <cstdint>

using namespace Shoal::Core;

namespace {

void handleLine(EngineReply &reply, const QByteArray &line)
{
    reply.deliverLine(line);
    const QJsonDocument doc = QJsonDocument::fromJson(line);
    if (doc.isObject()) {
        computeStatsSample(doc.object());
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    const qsizetype piece = qsizetype(data[0] % 64) + 1;
    const QByteArray input(reinterpret_cast<const char *>(data + 1), qsizetype(size - 1));

    HttpResponseParser parser;
    JsonLineSplitter splitter;
    LogStreamDecoder logs;
    EngineReply reply;
    for (qsizetype offset = 0; offset < input.size(); offset += piece) {
        parser.feed(input.constData() + offset, std::min(piece, input.size() - offset));
        const QByteArray body = parser.takeBody();
        logs.feed(body);
        for (const QByteArray &line : splitter.feed(body)) {
            handleLine(reply, line);
        }
        if (parser.state() == HttpResponseParser::State::Failed ||
            parser.state() == HttpResponseParser::State::Complete) {
            break;
        }
    }
    parser.finishInput();
    const QByteArray rest = parser.takeBody();
    for (const QByteArray &line : splitter.feed(rest)) {
        handleLine(reply, line);
    }
    const QByteArray last = splitter.finish();
    if (!last.isEmpty()) {
        handleLine(reply, last);
    }
    parser.header("Content-Type");
    parser.statusCode();
    return 0;
}
