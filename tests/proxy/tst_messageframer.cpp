#include <core/proxy/messageframer.h>

#include <QTest>

#include <string>

using Shoal::Core::MessageFramer;

namespace {

constexpr std::size_t HeadLimit = 8192;
constexpr int FieldLimit = 50;

} // namespace

class TestMessageFramer : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void testRequestHeads_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<int>("result");
        QTest::addColumn<int>("framing");
        using R = MessageFramer::HeadResult;
        using F = MessageFramer::BodyFraming;
        const QByteArray start = "POST /p HTTP/1.1\r\nHost: h\r\n";
        QTest::newRow("no-body") << QByteArray("GET / HTTP/1.1\r\nHost: h\r\n\r\n")
                                 << int(R::Complete) << int(F::None);
        QTest::newRow("length") << start + "Content-Length: 12\r\n\r\n"
                                << int(R::Complete) << int(F::Length);
        QTest::newRow("chunked") << start + "Transfer-Encoding: chunked\r\n\r\n"
                                 << int(R::Complete) << int(F::Chunked);
        QTest::newRow("half-head")
            << QByteArray("GET / HTTP/1.1\r\nHo") << int(R::Incomplete) << int(F::None);
        QTest::newRow("leading-empty-line") << QByteArray("\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n")
                                            << int(R::Complete) << int(F::None);
        QTest::newRow("both-framings")
            << start + "Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n"
            << int(R::Malformed) << int(F::None);
        QTest::newRow("chunked-twice") << start + "Transfer-Encoding: chunked, chunked\r\n\r\n"
                                       << int(R::Malformed) << int(F::None);
        QTest::newRow("gzip-then-chunked") << start + "Transfer-Encoding: gzip, chunked\r\n\r\n"
                                           << int(R::Unsupported) << int(F::None);
        QTest::newRow("hex-length") << start + "Content-Length: 0x10\r\n\r\n"
                                    << int(R::Malformed) << int(F::None);
        QTest::newRow("bare-lf") << QByteArray("GET / HTTP/1.1\nHost: h\r\n\r\n")
                                 << int(R::Malformed) << int(F::None);
        QTest::newRow("bare-lf-only")
            << QByteArray("GET / HTTP/1.1\nHost: h\n\n") << int(R::Malformed) << int(F::None);
        QTest::newRow("bare-lf-half-head")
            << QByteArray("GET / HTTP/1.1\nHost: h") << int(R::Malformed) << int(F::None);
        QTest::newRow("tab-fold") << start + "A: b\r\n\tc\r\n\r\n"
                                  << int(R::Malformed) << int(F::None);
        QTest::newRow("nul") << start + QByteArray("A: b\0c\r\n\r\n", 11) << int(R::Malformed)
                             << int(F::None);
        QTest::newRow("http2-preface")
            << QByteArray("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") << int(R::Malformed) << int(F::None);
        QTest::newRow("too-large")
            << start + "A: " + QByteArray(int(HeadLimit), 'a') << int(R::TooLarge) << int(F::None);
    }

    void testRequestHeads()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(int, result);
        QFETCH(int, framing);
        MessageFramer framer(MessageFramer::Kind::Request, HeadLimit, FieldLimit);
        QCOMPARE(int(framer.parseHead(bytes.constData(), std::size_t(bytes.size()))), result);
        if (result == int(MessageFramer::HeadResult::Complete)) {
            QCOMPARE(int(framer.framing()), framing);
            QCOMPARE(framer.headSize(), std::size_t(bytes.size()));
        }
    }

    void testChunkedBodyEndsAtLastChunk()
    {
        const std::string message = "POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                                    "\r\n4\r\nwiki\r\n0\r\nX-Sum: 1\r\n\r\nGET /next";
        MessageFramer framer(MessageFramer::Kind::Request, HeadLimit, FieldLimit);
        QCOMPARE(framer.parseHead(message.data(), message.size()),
                 MessageFramer::HeadResult::Complete);
        const std::size_t head = framer.headSize();
        // Fed one byte at a time, the body still ends right before the pipelined request.
        std::size_t body = 0;
        for (std::size_t i = head; i < message.size() && !framer.messageComplete(); ++i) {
            body += framer.feedBody(message.data() + i, 1);
        }
        QVERIFY(framer.messageComplete());
        QCOMPARE(message.substr(head + body), std::string("GET /next"));
    }

    void testLengthBodyStopsAtLength()
    {
        const std::string message =
            "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcdef";
        MessageFramer framer(MessageFramer::Kind::Request, HeadLimit, FieldLimit);
        QCOMPARE(framer.parseHead(message.data(), message.size()),
                 MessageFramer::HeadResult::Complete);
        const std::size_t head = framer.headSize();
        const std::size_t used = framer.feedBody(message.data() + head, message.size() - head);
        QCOMPARE(used, std::size_t(3));
        QVERIFY(framer.messageComplete());
    }

    void testInvalidChunkSizeIsAnError()
    {
        const std::string message = "POST /p HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                                    "\r\nzz\r\n";
        MessageFramer framer(MessageFramer::Kind::Request, HeadLimit, FieldLimit);
        QCOMPARE(framer.parseHead(message.data(), message.size()),
                 MessageFramer::HeadResult::Complete);
        const std::size_t head = framer.headSize();
        framer.feedBody(message.data() + head, message.size() - head);
        QVERIFY(framer.bodyError());
    }

    void testResponseFraming_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<bool>("noBody");
        QTest::addColumn<int>("framing");
        using F = MessageFramer::BodyFraming;
        QTest::newRow("length") << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
                                << false << int(F::Length);
        QTest::newRow("until-close")
            << QByteArray("HTTP/1.1 200 OK\r\n\r\n") << false << int(F::UntilClose);
        QTest::newRow("head-request")
            << QByteArray("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n") << true << int(F::None);
        QTest::newRow("no-content")
            << QByteArray("HTTP/1.1 204 No Content\r\n\r\n") << false << int(F::None);
        QTest::newRow("continue") << QByteArray("HTTP/1.1 100 Continue\r\n\r\n") << false
                                  << int(F::None);
    }

    void testResponseFraming()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(bool, noBody);
        QFETCH(int, framing);
        MessageFramer framer(MessageFramer::Kind::Response, HeadLimit, FieldLimit);
        framer.reset(noBody);
        QCOMPARE(framer.parseHead(bytes.constData(), std::size_t(bytes.size())),
                 MessageFramer::HeadResult::Complete);
        QCOMPARE(int(framer.framing()), framing);
    }
};

QTEST_GUILESS_MAIN(TestMessageFramer)
#include "tst_messageframer.moc"
