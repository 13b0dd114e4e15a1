#include "fakeengine.h"
#include "replyrecorder.h"

#include <core/engine/dockerclient.h>
#include <core/engine/httpresponseparser.h>
#include <core/engine/jsonlinesplitter.h>

#include <QTemporaryDir>
#include <QTest>

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace Shoal::Core;
using namespace Shoal::Core::Testing;
using Kind = EngineReply::ErrorKind;

namespace {

QByteArray chunked(const QList<QByteArray> &chunks)
{
    QByteArray out;
    for (const QByteArray &chunk : chunks) {
        out += QByteArray::number(chunk.size(), 16) + "\r\n" + chunk + "\r\n";
    }
    return out + "0\r\n\r\n";
}

const QByteArray StreamHead = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n";

/// Cuts bytes into pieces of the given size, to land boundaries in odd places.
QList<QByteArray> slices(const QByteArray &bytes, int size)
{
    QList<QByteArray> out;
    for (qsizetype i = 0; i < bytes.size(); i += size) {
        out.append(bytes.mid(i, size));
    }
    return out;
}

EngineEndpoint unixEndpoint(const QString &path)
{
    EngineEndpoint endpoint;
    endpoint.socketPath = path;
    return endpoint;
}

} // namespace

class TestEngineResponse : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void cleanup();

    void testParserByteByByte_data();
    void testParserByteByByte();
    void testLineSplitterKeepsMessagesWhole();

    void testStatusAndErrorText_data();
    void testStatusAndErrorText();
    void testMalformedOrTruncatedIsAnError_data();
    void testMalformedOrTruncatedIsAnError();
    void testStreamLinesAcrossAwkwardSplits_data();
    void testStreamLinesAcrossAwkwardSplits();
    void testBuildStreamWithErrorDetailFails();
    void testBuildStreamWithPullProgressSucceeds();
    void testCancelMidStream();
    void testNonStreamingCallTimesOut();
    void testRequestLineHeadersAndFilters();
    void testNegotiation_data();
    void testNegotiation();
    void testMissingSocket();
    void testRefusedSocket();
    void testPermissionDeniedSocket();

private:
    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<FakeEngine> m_engine;
    std::unique_ptr<DockerClient> m_client;
    QString socketPath() const { return m_dir->filePath(QStringLiteral("fake.sock")); }
    void answerWith(const FakeEngine::Answer &answer)
    {
        m_engine->setHandler([answer](const QByteArray &) { return answer; });
    }
};

void TestEngineResponse::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    m_engine = std::make_unique<FakeEngine>(socketPath());
    QVERIFY(m_engine->isListening());
    m_client = std::make_unique<DockerClient>(unixEndpoint(socketPath()));
}

void TestEngineResponse::cleanup()
{
    m_client.reset();
    m_engine.reset();
    m_dir.reset();
}

void TestEngineResponse::testParserByteByByte_data()
{
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("body");

    QTest::newRow("content-length")
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"Id\":\"c7\"}") << 200
        << QByteArray("{\"Id\":\"c7\"}");
    QTest::newRow("chunked with extension and trailer")
        << QByteArray("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "4;x=y\r\nwave\r\n5\r\nforms\r\n0\r\nX-Trailer: 1\r\n\r\n")
        << 200 << QByteArray("waveforms");
    QTest::newRow("304 without body")
        << QByteArray("HTTP/1.1 304 Not Modified\r\n\r\n") << 304 << QByteArray();
    QTest::newRow("204 claiming a length still has no body")
        << QByteArray("HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\n") << 204
        << QByteArray();
    QTest::newRow("interim 100 before the answer")
        << QByteArray("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n"
                      "Content-Length: 2\r\n\r\nok")
        << 201 << QByteArray("ok");
}

void TestEngineResponse::testParserByteByByte()
{
    QFETCH(QByteArray, response);
    QFETCH(int, status);
    QFETCH(QByteArray, body);

    HttpResponseParser parser;
    QByteArray collected;
    for (char byte : response) {
        parser.feed(&byte, 1);
        collected += parser.takeBody();
    }
    parser.finishInput();
    collected += parser.takeBody();

    QCOMPARE(parser.state(), HttpResponseParser::State::Complete);
    QCOMPARE(parser.statusCode(), status);
    QCOMPARE(collected, body);
}

void TestEngineResponse::testLineSplitterKeepsMessagesWhole()
{
    JsonLineSplitter splitter;
    QList<QByteArray> lines;
    lines += splitter.feed("{\"a\":1}\n{\"b\"");
    lines += splitter.feed(":2}\r\n\n\n{\"c\":3}\n{\"d\":");
    lines += splitter.feed("4}");
    lines += splitter.finish();

    const QList<QByteArray> expected = {"{\"a\":1}", "{\"b\":2}", "{\"c\":3}", "{\"d\":4}"};
    QCOMPARE(lines, expected);
}

void TestEngineResponse::testStatusAndErrorText_data()
{
    QTest::addColumn<QByteArray>("response");
    QTest::addColumn<bool>("isError");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("errorContains");

    const QByteArray conflict =
        R"({"message":"Conflict. The container name \"/harbor-api-2\" is already in use by )"
        R"(container \"5e5e5e5e5e5e\". You have to remove (or rename) that container to be )"
        R"(able to reuse that name."})";
    QTest::newRow("304 with empty body is success")
        << QByteArray("HTTP/1.1 304 Not Modified\r\nDate: Thu, 01 Jan 2032 00:00:00 GMT\r\n\r\n")
        << false << 304 << QString();
    QTest::newRow("204 is success")
        << QByteArray("HTTP/1.1 204 No Content\r\n\r\n") << false << 204 << QString();
    QTest::newRow("body until close is success")
        << QByteArray("HTTP/1.1 200 OK\r\n\r\n[]") << false << 200 << QString();
    QTest::newRow("409 name conflict shows the engine's message")
        << QByteArray("HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\n"
                      "Content-Length: " +
                      QByteArray::number(conflict.size()) + "\r\n\r\n" + conflict)
        << true << 409
        << QStringLiteral("Conflict. The container name \"/harbor-api-2\" is already in use by "
                          "container \"5e5e5e5e5e5e\". You have to remove (or rename) that "
                          "container to be able to reuse that name.");
    QTest::newRow("404 no such container")
        << QByteArray("HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\n\r\n"
                      "{\"message\":\"No such container: ghost-7\"}\n")
        << true << 404 << QStringLiteral("No such container: ghost-7");
    QTest::newRow("404 no such image")
        << QByteArray("HTTP/1.1 404 Not Found\r\nContent-Length: 47\r\n\r\n"
                      "{\"message\":\"No such image: harbor/api:nightly\"}")
        << true << 404 << QStringLiteral("No such image: harbor/api:nightly");
    QTest::newRow("502 plain text shown with its status")
        << QByteArray("HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\n"
                      "Content-Length: 26\r\n\r\nrelay down for maintenance")
        << true << 502 << QStringLiteral("HTTP 502: relay down for maintenance");
    QTest::newRow("500 without a body names the status")
        << QByteArray("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n") << true
        << 500 << QStringLiteral("HTTP 500 Internal Server Error");
    QTest::newRow("JSON error without a message field is shown as text")
        << QByteArray("HTTP/1.1 400 Bad Request\r\nContent-Length: 14\r\n\r\n{\"code\":\"E42\"}")
        << true << 400 << QStringLiteral("HTTP 400: {\"code\":\"E42\"}");
}

void TestEngineResponse::testStatusAndErrorText()
{
    QFETCH(QByteArray, response);
    QFETCH(bool, isError);
    QFETCH(int, status);
    QFETCH(QString, errorContains);

    answerWith({{response}});
    ReplyRecorder recorder(m_client->startContainer(QStringLiteral("harbor-api-2")));
    const ReplyRecord &record = recorder.wait();

    QVERIFY(record.finished);
    QCOMPARE(record.error, isError);
    QCOMPARE(record.status, status);
    if (isError) {
        QCOMPARE(record.kind, Kind::HttpError);
        QVERIFY2(record.errorString.startsWith("POST /containers/harbor-api-2/start: "),
                 qPrintable(record.errorString));
        QVERIFY2(record.errorString.contains(errorContains), qPrintable(record.errorString));
        QCOMPARE(record.engineMessage, errorContains);
    } else {
        QCOMPARE(record.errorString, QString());
    }
}

void TestEngineResponse::testMalformedOrTruncatedIsAnError_data()
{
    QTest::addColumn<QList<QByteArray>>("pieces");

    QTest::newRow("content-length longer than what came")
        << QList<QByteArray>{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"Id\":"};
    QTest::newRow("chunked body stops inside a chunk")
        << QList<QByteArray>{StreamHead, "10\r\n{\"status\":"};
    QTest::newRow("chunked body without the last chunk")
        << QList<QByteArray>{StreamHead + chunked({"{\"a\":1}\n"}).chopped(5)};
    QTest::newRow("headers cut off") << QList<QByteArray>{"HTTP/1.1 200 OK\r\nContent-Ty"};
    QTest::newRow("closed without a byte") << QList<QByteArray>{};
    QTest::newRow("not HTTP at all") << QList<QByteArray>{"SSH-2.0-OpenSSH_9.2\r\n"};
    QTest::newRow("bad chunk size") << QList<QByteArray>{StreamHead + "zz\r\nhello\r\n0\r\n\r\n"};
    QTest::newRow("binary noise") << QList<QByteArray>{QByteArray("\x00\xff\x13\x37\r\n\r\n", 8)};
    QTest::newRow("protocol switch nobody asked for")
        << QList<QByteArray>{"HTTP/1.1 101 Switching Protocols\r\nUpgrade: tcp\r\n"
                             "Connection: Upgrade\r\n\r\nraw"};
}

void TestEngineResponse::testMalformedOrTruncatedIsAnError()
{
    QFETCH(QList<QByteArray>, pieces);

    for (bool streaming : {false, true}) {
        answerWith({pieces, 5});
        EngineReply *reply =
            streaming ? m_client->stream(QStringLiteral("GET"), QStringLiteral("/events"))
                      : m_client->get(QStringLiteral("/containers/json"));
        ReplyRecorder recorder(reply);
        const ReplyRecord &record = recorder.wait();

        QVERIFY(record.finished);
        QVERIFY(record.error);
        QCOMPARE(record.kind, Kind::ProtocolError);
        QVERIFY(!record.errorString.isEmpty());
    }
}

void TestEngineResponse::testStreamLinesAcrossAwkwardSplits_data()
{
    QTest::addColumn<int>("sliceBytes");

    QTest::newRow("one byte at a time") << 1;
    QTest::newRow("seven bytes, cutting sizes and CRLFs") << 7;
    QTest::newRow("sixty bytes, several messages per read") << 60;
    QTest::newRow("everything in one write") << 100000;
}

void TestEngineResponse::testStreamLinesAcrossAwkwardSplits()
{
    QFETCH(int, sliceBytes);

    // Given a build stream whose chunks cut messages in half and hold several at once,
    const QList<QByteArray> chunks = {
        "{\"stream\":\"Step 1/2 : FROM scratch\"}\n{\"str",
        "eam\":\"\\n\"}\n",
        "{\"stream\":\" ---\\u003e 0a0b0c\\n\"}\n{\"aux\":{\"ID\":\"sha256:77\"}}\n{\"stream\"",
        ":\"Successfully tagged harbor-web:dev\\n\"}",
    };
    const QByteArray wire = StreamHead + chunked(chunks);
    // and the transport splits the bytes again at other places,
    answerWith({slices(wire, sliceBytes), sliceBytes < 10 ? 0 : 3});

    // when the client reads it as a stream,
    ReplyRecorder recorder(m_client->stream(QStringLiteral("POST"), QStringLiteral("/build")));
    const ReplyRecord &record = recorder.wait(20000);

    // then every message arrives whole and in order, the last one without a final newline too.
    const QList<QByteArray> expected = {
        "{\"stream\":\"Step 1/2 : FROM scratch\"}",
        "{\"stream\":\"\\n\"}",
        "{\"stream\":\" ---\\u003e 0a0b0c\\n\"}",
        "{\"aux\":{\"ID\":\"sha256:77\"}}",
        "{\"stream\":\"Successfully tagged harbor-web:dev\\n\"}",
    };
    QVERIFY(record.finished);
    QVERIFY2(!record.error, qPrintable(record.errorString));
    QCOMPARE(record.lines, expected);
    QVERIFY(record.body.isEmpty());
}

void TestEngineResponse::testBuildStreamWithErrorDetailFails()
{
    const QByteArray failure =
        R"({"errorDetail":{"code":2,"message":"The command '/bin/sh -c make all' returned a )"
        R"(non-zero code: 2"},"error":"The command '/bin/sh -c make all' returned a non-zero )"
        R"(code: 2"})";
    answerWith(
        {{StreamHead, chunked({"{\"stream\":\"Step 1/3 : FROM harbor-base:3\"}\n",
                               "{\"stream\":\"Step 2/3 : RUN make all\"}\n{\"stream\":\"\\n\"}\n",
                               "{\"stream\":\"make: *** [all] Error 2\\n\"}\n", failure + "\n"})},
         5});

    ReplyRecorder recorder(m_client->buildImage("tar", QStringLiteral("harbor-web:dev")));
    const ReplyRecord &record = recorder.wait();

    QVERIFY(record.finished);
    QCOMPARE(record.status, 200);
    QVERIFY(record.error);
    QCOMPARE(record.kind, Kind::StreamError);
    const QString message =
        QStringLiteral("The command '/bin/sh -c make all' returned a non-zero code: 2");
    QCOMPARE(record.streamError, message);
    QVERIFY2(record.errorString.endsWith(message), qPrintable(record.errorString));
    QVERIFY(record.errorString.startsWith(QStringLiteral("POST /build?t=harbor-web%3Adev")));
    QCOMPARE(record.lines.size(), 5);
}

void TestEngineResponse::testBuildStreamWithPullProgressSucceeds()
{
    answerWith(
        {{StreamHead, chunked({"{\"status\":\"Pulling fs layer\",\"progressDetail\":{},"
                               "\"id\":\"9f\"}\n",
                               "{\"status\":\"Downloading\",\"progressDetail\":{\"current\":10,"
                               "\"total\":20},\"id\":\"9f\"}\n",
                               "{\"aux\":{\"ID\":\"sha256:4242\"}}\n",
                               "{\"stream\":\"Successfully tagged harbor-web:dev\\n\"}\n"})}});

    ReplyRecorder recorder(m_client->buildImage("tar", QStringLiteral("harbor-web:dev")));
    const ReplyRecord &record = recorder.wait();

    QVERIFY(record.finished);
    QVERIFY2(!record.error, qPrintable(record.errorString));
    QCOMPARE(record.lines.size(), 4);
    QVERIFY(record.streamError.isEmpty());
}

void TestEngineResponse::testCancelMidStream()
{
    // Given a build stream that sends two messages and then stays open,
    answerWith({{StreamHead, chunked({"{\"stream\":\"Step 1/9 : FROM scratch\"}\n"}).chopped(5),
                 chunked({"{\"stream\":\"Step 2/9 : COPY . /\"}\n"}).chopped(5)},
                20,
                false});

    // when the user cancels after the first message,
    ReplyRecorder recorder(m_client->buildImage("tar", QStringLiteral("harbor-web:dev")),
                           [](EngineReply *reply, const QByteArray &) { reply->abort(); });
    const ReplyRecord &record = recorder.wait();

    // then the reply ends as cancelled, not failed or succeeded, and the engine sees the
    // connection close (which is what stops a build on its side).
    QVERIFY(record.finished);
    QCOMPARE(record.kind, Kind::Cancelled);
    QVERIFY(record.errorString.endsWith(QStringLiteral("cancelled")));
    QCOMPARE(record.lines.size(), 1);
    QTRY_COMPARE_WITH_TIMEOUT(m_engine->clientsGone(), 1, 5000);
}

void TestEngineResponse::testNonStreamingCallTimesOut()
{
    answerWith({{"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{\"Id"}, 0, false});
    m_client->setRequestTimeout(300);

    ReplyRecorder recorder(m_client->inspectContainer(QStringLiteral("slowpoke")));
    const ReplyRecord &record = recorder.wait(5000);

    QVERIFY(record.finished);
    QCOMPARE(record.kind, Kind::Timeout);
    QVERIFY(record.errorString.contains(QStringLiteral("0.3 s")));
}

void TestEngineResponse::testRequestLineHeadersAndFilters()
{
    answerWith({{"HTTP/1.1 201 Created\r\nContent-Length: 12\r\n\r\n{\"Id\":\"a1b\"}"}});
    QJsonObject spec;
    spec.insert(QStringLiteral("Image"), QStringLiteral("harbor/web:2"));
    ReplyRecorder create(m_client->createContainer(QStringLiteral("harbor-web-1"), spec));
    QVERIFY(create.wait().finished);

    answerWith({{"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]"}});
    ReplyRecorder list(m_client->listContainers({QStringLiteral("com.example.app=harbor")}));
    QVERIFY(list.wait().finished);

    const QList<QByteArray> requests = m_engine->requests();
    QCOMPARE(requests.size(), 2);
    QVERIFY(requests.at(0).startsWith("POST /containers/create?name=harbor-web-1 HTTP/1.1\r\n"));
    QVERIFY(requests.at(0).contains("\r\nContent-Type: application/json\r\n"));
    QVERIFY(requests.at(0).endsWith("\r\n\r\n{\"Image\":\"harbor/web:2\"}"));
    QVERIFY(requests.at(0).contains("\r\nHost: "));
    QVERIFY2(requests.at(1).startsWith(
                 "GET /containers/json?all=1&filters=%7B%22label%22%3A%5B%22com.example.app%3D"
                 "harbor%22%5D%7D HTTP/1.1\r\n"),
             requests.at(1).constData());
}

void TestEngineResponse::testNegotiation_data()
{
    QTest::addColumn<QByteArray>("serverApi");
    QTest::addColumn<QString>("expectedApi");
    QTest::addColumn<QString>("lostReason");

    QTest::newRow("same as an engine of 1.43") << QByteArray("1.43") << "1.43" << QString();
    QTest::newRow("newer engine is asked for 1.45") << QByteArray("1.47") << "1.45" << QString();
    QTest::newRow("older than 1.40 is refused")
        << QByteArray("1.38") << QString()
        << QStringLiteral("engine API 1.38 is older than 1.40 that Shoal needs");
    QTest::newRow("garbage version is refused")
        << QByteArray("two") << QString() << QStringLiteral("no usable API version");
}

void TestEngineResponse::testNegotiation()
{
    QFETCH(QByteArray, serverApi);
    QFETCH(QString, expectedApi);
    QFETCH(QString, lostReason);

    m_engine->setHandler([serverApi](const QByteArray &request) {
        if (request.startsWith("GET /_ping ")) {
            return FakeEngine::Answer{{"HTTP/1.1 200 OK\r\nAPI-Version: " + serverApi +
                                       "\r\nContent-Length: 2\r\n\r\nOK"}};
        }
        if (request.startsWith("GET /version ")) {
            const QByteArray body =
                "{\"Version\":\"99.0.1-fake\",\"ApiVersion\":\"" + serverApi + "\"}";
            return FakeEngine::Answer{{"HTTP/1.1 200 OK\r\nContent-Length: " +
                                       QByteArray::number(body.size()) + "\r\n\r\n" + body}};
        }
        return FakeEngine::Answer{{"HTTP/1.1 204 No Content\r\n\r\n"}};
    });
    QString connectedApi;
    QString lost;
    connect(m_client.get(), &DockerClient::connected, this,
            [&](const QString &api) { connectedApi = api; });
    connect(m_client.get(), &DockerClient::engineLost, this,
            [&](const QString &reason) { lost = reason; });

    m_client->negotiate();
    QVERIFY(QTest::qWaitFor([&] { return !connectedApi.isEmpty() || !lost.isEmpty(); }, 5000));

    if (lostReason.isEmpty()) {
        QCOMPARE(connectedApi, expectedApi);
        QCOMPARE(m_client->apiVersion(), expectedApi);
        QCOMPARE(m_client->engineVersion(), QStringLiteral("99.0.1-fake"));
        QVERIFY(m_client->isReachable());
        ReplyRecorder start(m_client->startContainer(QStringLiteral("x1")));
        QVERIFY(start.wait().finished);
        QVERIFY(m_engine->requests().last().startsWith("POST /v" + expectedApi.toLatin1() +
                                                       "/containers/x1/start HTTP/1.1"));
    } else {
        QVERIFY2(lost.contains(lostReason), qPrintable(lost));
        QVERIFY(!m_client->isReachable());
        QVERIFY(m_client->apiVersion().isEmpty());
    }
}

void TestEngineResponse::testMissingSocket()
{
    DockerClient client(unixEndpoint(m_dir->filePath(QStringLiteral("nobody-home.sock"))));
    ReplyRecorder recorder(client.get(QStringLiteral("/_ping")));
    const ReplyRecord &record = recorder.wait();

    QCOMPARE(record.kind, Kind::ConnectionFailed);
    QVERIFY2(record.engineMessage.startsWith(QStringLiteral("no Docker engine socket at ")),
             qPrintable(record.engineMessage));
}

void TestEngineResponse::testRefusedSocket()
{
    // A socket file that nobody listens on, as a crashed dockerd leaves behind.
    const QString path = m_dir->filePath(QStringLiteral("stale.sock"));
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    QVERIFY(fd >= 0);
    sockaddr_un address = {};
    address.sun_family = AF_UNIX;
    const QByteArray encodedPath = QFile::encodeName(path);
    QVERIFY(size_t(encodedPath.size()) < sizeof(address.sun_path));
    std::memcpy(address.sun_path, encodedPath.constData(), size_t(encodedPath.size()));
    QCOMPARE(::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof(address)), 0);

    DockerClient client(unixEndpoint(path));
    ReplyRecorder recorder(client.get(QStringLiteral("/_ping")));
    const ReplyRecord &record = recorder.wait();
    ::close(fd);

    QCOMPARE(record.kind, Kind::ConnectionFailed);
    QVERIFY2(record.engineMessage.startsWith(QStringLiteral("connection refused on ")),
             qPrintable(record.engineMessage));
}

void TestEngineResponse::testPermissionDeniedSocket()
{
    if (::geteuid() == 0) {
        QSKIP("root may open any socket, so there is no permission to be denied");
    }
    QVERIFY(QFile::setPermissions(socketPath(), QFileDevice::Permissions()));
    ReplyRecorder recorder(m_client->get(QStringLiteral("/_ping")));
    const ReplyRecord &record = recorder.wait();

    QCOMPARE(record.kind, Kind::ConnectionFailed);
    QVERIFY2(record.engineMessage.contains(
                 QStringLiteral("add your user to the docker group or run as root")),
             qPrintable(record.engineMessage));
}

QTEST_GUILESS_MAIN(TestEngineResponse)
#include "tst_engineresponse.moc"
