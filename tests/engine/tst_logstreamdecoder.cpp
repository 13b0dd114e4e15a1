#include <core/engine/logstreamdecoder.h>

#include <QTest>

using Shoal::Core::LogStreamDecoder;
using Stream = LogStreamDecoder::Stream;

namespace {

QByteArray frame(quint8 stream, const QByteArray &payload)
{
    QByteArray header(8, '\0');
    header[0] = char(stream);
    const quint32 size = quint32(payload.size());
    header[4] = char(size >> 24);
    header[5] = char(size >> 16);
    header[6] = char(size >> 8);
    header[7] = char(size);
    return header + payload;
}

} // namespace

class TestLogStreamDecoder : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void testFramesSurviveAnySplit_data();
    void testFramesSurviveAnySplit();
    void testMalformedHeaderStopsDecoding_data();
    void testMalformedHeaderStopsDecoding();
    void testEmptyFrameAndPartialTail();
};

void TestLogStreamDecoder::testFramesSurviveAnySplit_data()
{
    QTest::addColumn<int>("pieceBytes");

    QTest::newRow("byte by byte") << 1;
    QTest::newRow("inside headers") << 5;
    QTest::newRow("across frames") << 13;
    QTest::newRow("all at once") << 4096;
}

void TestLogStreamDecoder::testFramesSurviveAnySplit()
{
    QFETCH(int, pieceBytes);

    const QByteArray wire = frame(1, "listening on :8080\n") + frame(2, "warn: cold cache\n") +
                            frame(1, "GET /health 200\n");
    LogStreamDecoder decoder;
    QList<LogStreamDecoder::Frame> frames;
    for (qsizetype i = 0; i < wire.size(); i += pieceBytes) {
        frames += decoder.feed(wire.mid(i, pieceBytes));
    }

    QCOMPARE(frames.size(), 3);
    QCOMPARE(frames.at(0).stream, Stream::Stdout);
    QCOMPARE(frames.at(0).payload, QByteArray("listening on :8080\n"));
    QCOMPARE(frames.at(1).stream, Stream::Stderr);
    QCOMPARE(frames.at(1).payload, QByteArray("warn: cold cache\n"));
    QCOMPARE(frames.at(2).payload, QByteArray("GET /health 200\n"));
    QVERIFY(!decoder.hasPartialFrame());
    QVERIFY(!decoder.failed());
}

void TestLogStreamDecoder::testMalformedHeaderStopsDecoding_data()
{
    QTest::addColumn<QByteArray>("bytes");

    QTest::newRow("TTY text is not multiplexed") << QByteArray("plain tty output here\n");
    QTest::newRow("unknown stream id 9") << frame(9, "x");
    QTest::newRow("padding bytes not zero") << QByteArray("\x01\x00\x07\x00\x00\x00\x00\x01x", 9);
    QTest::newRow("frame size beyond the limit")
        << QByteArray("\x01\x00\x00\x00\x7f\xff\xff\xff", 8);
}

void TestLogStreamDecoder::testMalformedHeaderStopsDecoding()
{
    QFETCH(QByteArray, bytes);

    LogStreamDecoder decoder;
    QVERIFY(decoder.feed(bytes).isEmpty());
    QVERIFY(decoder.failed());
    QVERIFY(!decoder.errorString().isEmpty());
    QVERIFY(decoder.feed(frame(1, "later\n")).isEmpty());
}

void TestLogStreamDecoder::testEmptyFrameAndPartialTail()
{
    LogStreamDecoder decoder;
    const auto frames = decoder.feed(frame(1, {}) + frame(2, "half").left(10));

    QCOMPARE(frames.size(), 1);
    QVERIFY(frames.at(0).payload.isEmpty());
    QVERIFY(decoder.hasPartialFrame());
}

QTEST_GUILESS_MAIN(TestLogStreamDecoder)
#include "tst_logstreamdecoder.moc"
