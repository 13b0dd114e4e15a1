#include <core/compose/durationparser.h>

#include <QTest>

using Shoal::Core::DurationParser;

class TestDurationParser : public QObject
{
    Q_OBJECT

private slots:
    void testParses_data();
    void testParses();
    void testRejects_data();
    void testRejects();
    void testFormatsLikeGo_data();
    void testFormatsLikeGo();
};

void TestDurationParser::testParses_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("ms");

    QTest::newRow("seconds") << "10s" << qint64(10'000);
    QTest::newRow("minutes and seconds") << "1m30s" << qint64(90'000);
    QTest::newRow("milliseconds") << "500ms" << qint64(500);
    QTest::newRow("hour") << "1h" << qint64(3'600'000);
    QTest::newRow("fraction") << "1.5s" << qint64(1'500);
    QTest::newRow("microseconds round down") << "1500us" << qint64(1);
    QTest::newRow("bare zero") << "0" << qint64(0);
    QTest::newRow("all units") << "1h1m1s1ms" << qint64(3'661'001);
}

void TestDurationParser::testParses()
{
    QFETCH(QString, text);
    QFETCH(qint64, ms);

    QCOMPARE(DurationParser::parseMs(text), std::optional<qint64>(ms));
}

void TestDurationParser::testRejects_data()
{
    QTest::addColumn<QString>("text");

    QTest::newRow("no unit") << "30";
    QTest::newRow("unknown unit") << "5d";
    QTest::newRow("empty") << "";
    QTest::newRow("unit only") << "s";
    QTest::newRow("negative") << "-5s";
    QTest::newRow("absurdly long") << "99999999999h";
}

void TestDurationParser::testRejects()
{
    QFETCH(QString, text);

    QVERIFY(!DurationParser::parseMs(text).has_value());
}

void TestDurationParser::testFormatsLikeGo_data()
{
    QTest::addColumn<qint64>("ms");
    QTest::addColumn<QString>("text");

    QTest::newRow("zero") << qint64(0) << "0s";
    QTest::newRow("sub-second") << qint64(500) << "500ms";
    QTest::newRow("seconds") << qint64(10'000) << "10s";
    QTest::newRow("minutes") << qint64(90'000) << "1m30s";
    QTest::newRow("hour") << qint64(3'600'000) << "1h0m0s";
    QTest::newRow("fractional seconds") << qint64(1'500) << "1.5s";
}

void TestDurationParser::testFormatsLikeGo()
{
    QFETCH(qint64, ms);
    QFETCH(QString, text);

    QCOMPARE(DurationParser::format(ms), text);
}

QTEST_GUILESS_MAIN(TestDurationParser)
#include "tst_durationparser.moc"
