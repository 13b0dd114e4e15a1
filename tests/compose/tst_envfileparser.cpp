#include <core/compose/envfileparser.h>

#include <QMap>
#include <QTest>

using Shoal::Core::EnvFileParser;

using StringMap = QMap<QString, QString>;

class TestEnvFileParser : public QObject
{
    Q_OBJECT

private slots:
    void testReadsValues_data();
    void testReadsValues();
    void testReportsErrorsWithLine_data();
    void testReportsErrorsWithLine();

private:
    static EnvFileParser::Result parse(const QString &text)
    {
        return EnvFileParser::parse(text, QStringLiteral("vars.env"),
                                    [](const QString &name) -> std::optional<QString> {
                                        if (name == QLatin1String("OUTER")) {
                                            return QStringLiteral("outside");
                                        }
                                        return std::nullopt;
                                    });
    }
};

void TestEnvFileParser::testReadsValues_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<StringMap>("expected");

    QTest::newRow("plain") << "A=1\nB=two words\n" << StringMap{{"A", "1"}, {"B", "two words"}};
    QTest::newRow("comments and blanks") << "# c\n\n  # indented\nA=1\n" << StringMap{{"A", "1"}};
    QTest::newRow("export prefix") << "export A=1\nexport\tB=2\n"
                                   << StringMap{{"A", "1"}, {"B", "2"}};
    QTest::newRow("inline comment needs a blank") << "A=x # note\nB=x#y\n"
                                                  << StringMap{{"A", "x"}, {"B", "x#y"}};
    QTest::newRow("double quotes keep hash and escapes")
        << "A=\"p # q\"\nB=\"l1\\nl2\"\nC=\"say \\\"hi\\\"\"\n"
        << StringMap{{"A", "p # q"}, {"B", "l1\nl2"}, {"C", "say \"hi\""}};
    QTest::newRow("single quotes are literal") << "A='$OUTER \\n'\n"
                                               << StringMap{{"A", "$OUTER \\n"}};
    QTest::newRow("reference to earlier key")
        << "A=base\nB=${A}-more\nC=$A\n"
        << StringMap{{"A", "base"}, {"B", "base-more"}, {"C", "base"}};
    QTest::newRow("reference to the environment") << "A=${OUTER}\n" << StringMap{{"A", "outside"}};
    QTest::newRow("default in file") << "A=${MISSING:-fallback}\n" << StringMap{{"A", "fallback"}};
    QTest::newRow("stray dollar kept") << "PASS=pa$5word\n" << StringMap{{"PASS", "pa$5word"}};
    QTest::newRow("empty value") << "A=\nB=\"\"\n" << StringMap{{"A", ""}, {"B", ""}};
    QTest::newRow("bare key from environment") << "OUTER\nNOT_SET\n"
                                               << StringMap{{"OUTER", "outside"}};
    QTest::newRow("multi-line double quotes") << "A=\"one\ntwo\"\nB=3\n"
                                              << StringMap{{"A", "one\ntwo"}, {"B", "3"}};
    QTest::newRow("windows line ends") << "A=1\r\nB=2\r\n" << StringMap{{"A", "1"}, {"B", "2"}};
    QTest::newRow("split on first equals") << "A=k=v\n" << StringMap{{"A", "k=v"}};
}

void TestEnvFileParser::testReadsValues()
{
    QFETCH(QString, text);
    QFETCH(StringMap, expected);

    const EnvFileParser::Result result = parse(text);

    QVERIFY2(result.values.has_value(), qPrintable(result.error));
    QCOMPARE(*result.values, expected);
}

void TestEnvFileParser::testReportsErrorsWithLine_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expectedError");

    QTest::newRow("space in key") << "A=1\nBAD KEY=x\n"
                                  << "vars.env:2: invalid variable name";
    QTest::newRow("unterminated double quote") << "A=1\n\nX=\"abc\n"
                                               << "vars.env:3: unterminated quoted value for X";
    QTest::newRow("unterminated single quote") << "X='abc\n"
                                               << "vars.env:1: unterminated";
    QTest::newRow("text after quotes") << "X=\"a\" b\n"
                                       << "vars.env:1: unexpected text";
    QTest::newRow("required variable") << "X=${NEED:?set NEED}\n"
                                       << "vars.env:1: required variable NEED";
}

void TestEnvFileParser::testReportsErrorsWithLine()
{
    QFETCH(QString, text);
    QFETCH(QString, expectedError);

    const EnvFileParser::Result result = parse(text);

    QVERIFY(!result.values.has_value());
    QVERIFY2(result.error.startsWith(expectedError), qPrintable(result.error));
}

QTEST_GUILESS_MAIN(TestEnvFileParser)
#include "tst_envfileparser.moc"
