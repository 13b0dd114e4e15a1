#include <core/compose/portparser.h>

#include <QTest>

using Shoal::Core::PortMapping;
using Shoal::Core::PortParser;

namespace {

PortMapping mapping(const QString &hostIp, int published, int publishedEnd, int target,
                    int targetEnd, const QString &protocol = QStringLiteral("tcp"))
{
    PortMapping port;
    port.hostIp = hostIp;
    port.published = published;
    port.publishedEnd = publishedEnd;
    port.target = target;
    port.targetEnd = targetEnd;
    port.protocol = protocol;
    return port;
}

} // namespace

Q_DECLARE_METATYPE(PortMapping)

class TestPortParser : public QObject
{
    Q_OBJECT

private slots:
    void testParsesShortSyntax_data();
    void testParsesShortSyntax();
    void testRejectsBadShortSyntax_data();
    void testRejectsBadShortSyntax();
    void testLongSyntaxRefusesTargetRange();
    void testWritesShortSyntaxBack();
};

void TestPortParser::testParsesShortSyntax_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<PortMapping>("expected");

    QTest::newRow("container port only") << "3000" << mapping("", 0, 0, 3000, 3000);
    QTest::newRow("container range only") << "3000-3005" << mapping("", 0, 0, 3000, 3005);
    QTest::newRow("host and container") << "8080:80" << mapping("", 8080, 8080, 80, 80);
    QTest::newRow("both ranges") << "9090-9091:8080-8081" << mapping("", 9090, 9091, 8080, 8081);
    QTest::newRow("host range for one port") << "8000-9000:80" << mapping("", 8000, 9000, 80, 80);
    QTest::newRow("ipv4 host") << "127.0.0.1:8001:8001"
                               << mapping("127.0.0.1", 8001, 8001, 8001, 8001);
    QTest::newRow("ipv4 host ephemeral")
        << "127.0.0.1::5000" << mapping("127.0.0.1", 0, 0, 5000, 5000);
    QTest::newRow("ipv6 host in brackets")
        << "[::1]:6001:6001" << mapping("::1", 6001, 6001, 6001, 6001);
    QTest::newRow("ipv6 host ephemeral") << "[::1]::80" << mapping("::1", 0, 0, 80, 80);
    QTest::newRow("udp") << "6060:6060/udp" << mapping("", 6060, 6060, 6060, 6060, "udp");
    QTest::newRow("explicit tcp with host")
        << "127.0.0.1:8080:8080/tcp" << mapping("127.0.0.1", 8080, 8080, 8080, 8080);
    QTest::newRow("sexagesimal-looking") << "2122:22" << mapping("", 2122, 2122, 22, 22);
}

void TestPortParser::testParsesShortSyntax()
{
    QFETCH(QString, text);
    QFETCH(PortMapping, expected);

    const PortParser::Result result = PortParser::parseShort(text);

    QVERIFY2(result.mapping.has_value(), qPrintable(result.error));
    QCOMPARE(result.mapping->hostIp, expected.hostIp);
    QCOMPARE(result.mapping->published, expected.published);
    QCOMPARE(result.mapping->publishedEnd, expected.publishedEnd);
    QCOMPARE(result.mapping->target, expected.target);
    QCOMPARE(result.mapping->targetEnd, expected.targetEnd);
    QCOMPARE(result.mapping->protocol, expected.protocol);
}

void TestPortParser::testRejectsBadShortSyntax_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expectedError");

    QTest::newRow("range lengths differ") << "9090-9092:8080-8081"
                                          << "differ in length";
    QTest::newRow("descending range") << "90-80"
                                      << "invalid port range \"90-80\"";
    QTest::newRow("out of range") << "70000:80"
                                  << "port 70000 out of range";
    QTest::newRow("zero") << "0:80"
                          << "out of range";
    QTest::newRow("not a number") << "http:80"
                                  << "invalid port \"http\"";
    QTest::newRow("cidr host") << "10.10.10.0/24:2:2"
                               << "10.10.10.0/24:2:2";
    QTest::newRow("bad address") << "127:0.0.1:80:80"
                                 << "invalid host IP";
    QTest::newRow("unknown protocol") << "80/icmp"
                                      << "unknown protocol \"icmp\"";
    QTest::newRow("target range with one host port") << "8080:3000-3001"
                                                     << "differ in length";
    QTest::newRow("empty") << ""
                           << "invalid port";
    QTest::newRow("unclosed bracket") << "[::1:80:80"
                                      << "invalid port";
}

void TestPortParser::testRejectsBadShortSyntax()
{
    QFETCH(QString, text);
    QFETCH(QString, expectedError);

    const PortParser::Result result = PortParser::parseShort(text);

    QVERIFY(!result.mapping.has_value());
    QVERIFY2(result.error.contains(expectedError), qPrintable(result.error));
}

void TestPortParser::testLongSyntaxRefusesTargetRange()
{
    const PortParser::Result range =
        PortParser::parseLong(QStringLiteral("20-21"), QStringLiteral("20-21"), {}, {});
    const PortParser::Result badIp = PortParser::parseLong(
        QStringLiteral("1234"), QStringLiteral("1234"), QStringLiteral("notavalidip"), {});
    const PortParser::Result hostRange =
        PortParser::parseLong(QStringLiteral("80"), QStringLiteral("8000-8010"), {}, {});

    QVERIFY(!range.mapping);
    QVERIFY(range.error.contains(QStringLiteral("single port")));
    QVERIFY(!badIp.mapping);
    QVERIFY(badIp.error.contains(QStringLiteral("invalid host IP \"notavalidip\"")));
    QVERIFY(hostRange.mapping);
    QCOMPARE(hostRange.mapping->publishedEnd, 8010);
}

void TestPortParser::testWritesShortSyntaxBack()
{
    for (const char *text : {"3000", "3000-3005", "8080:80", "127.0.0.1::5000", "[::1]:6001:6001",
                             "6060:6060/udp", "8000-9000:80"}) {
        const PortParser::Result parsed = PortParser::parseShort(QLatin1String(text));
        QVERIFY(parsed.mapping);
        QCOMPARE(PortParser::toShortSyntax(*parsed.mapping), QLatin1String(text));
    }
}

QTEST_GUILESS_MAIN(TestPortParser)
#include "tst_portparser.moc"
