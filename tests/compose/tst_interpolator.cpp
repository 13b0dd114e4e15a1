#include <core/compose/interpolator.h>

#include <QMap>
#include <QTest>

using Shoal::Core::Interpolator;

class TestInterpolator : public QObject
{
    Q_OBJECT

private slots:
    void testExpandsLikeCompose_data();
    void testExpandsLikeCompose();
    void testRejectsBadSyntax_data();
    void testRejectsBadSyntax();
    void testLenientSyntaxKeepsStrayDollars();
    void testDeepNestingIsRefused();

private:
    static Interpolator makeInterpolator(Interpolator::Syntax syntax = Interpolator::Syntax::Strict)
    {
        static const QMap<QString, QString> env = {
            {QStringLiteral("USER_NAME"), QStringLiteral("kim")},
            {QStringLiteral("BLANK"), QString()},
            {QStringLiteral("PORT"), QStringLiteral("8080")}};
        return Interpolator(
            [](const QString &name) -> std::optional<QString> {
                const auto it = env.constFind(name);
                return it == env.constEnd() ? std::nullopt : std::optional<QString>(*it);
            },
            syntax);
    }
};

void TestInterpolator::testExpandsLikeCompose_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expected");

    QTest::newRow("no variables") << "plain text"
                                  << "plain text";
    QTest::newRow("bare name") << "$USER_NAME"
                               << "kim";
    QTest::newRow("braced name") << "${USER_NAME}"
                                 << "kim";
    QTest::newRow("unset is empty") << "[${NOPE}]"
                                    << "[]";
    QTest::newRow("bare name stops at dash") << "$USER_NAME-x"
                                             << "kim-x";
    QTest::newRow("bare name stops at dot") << "$PORT.0"
                                            << "8080.0";
    QTest::newRow("colon dash unset") << "${NOPE:-d}"
                                      << "d";
    QTest::newRow("colon dash empty") << "${BLANK:-d}"
                                      << "d";
    QTest::newRow("colon dash set") << "${PORT:-d}"
                                    << "8080";
    QTest::newRow("dash unset") << "${NOPE-d}"
                                << "d";
    QTest::newRow("dash empty keeps empty") << "${BLANK-d}"
                                            << "";
    QTest::newRow("colon plus set") << "${PORT:+on}"
                                    << "on";
    QTest::newRow("colon plus empty") << "${BLANK:+on}"
                                      << "";
    QTest::newRow("plus empty but set") << "${BLANK+on}"
                                        << "on";
    QTest::newRow("plus unset") << "${NOPE+on}"
                                << "";
    QTest::newRow("question set") << "${PORT?m}"
                                  << "8080";
    QTest::newRow("question empty is fine") << "${BLANK?m}"
                                            << "";
    QTest::newRow("escaped dollar") << "$$HOME"
                                    << "$HOME";
    QTest::newRow("escaped braces") << "$${X}"
                                    << "${X}";
    QTest::newRow("nested default") << "${NOPE:-${USER_NAME}}"
                                    << "kim";
    QTest::newRow("doubly nested") << "${A:-${B:-${PORT}}}"
                                   << "8080";
    QTest::newRow("default containing operator") << "${NOPE:-/a:-b}"
                                                 << "/a:-b";
    QTest::newRow("default with escaped dollar") << "${NOPE:-$$x}"
                                                 << "$x";
    QTest::newRow("several in one") << "${USER_NAME}@host:$PORT"
                                    << "kim@host:8080";
}

void TestInterpolator::testExpandsLikeCompose()
{
    QFETCH(QString, input);
    QFETCH(QString, expected);

    const Interpolator::Result result = makeInterpolator().expand(input);

    QVERIFY2(result.value.has_value(), qPrintable(result.error));
    QCOMPARE(*result.value, expected);
}

void TestInterpolator::testRejectsBadSyntax_data()
{
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("expectedError");

    QTest::newRow("lone dollar at end") << "costs 5$"
                                        << "invalid interpolation format";
    QTest::newRow("dollar before digit") << "$1"
                                         << "invalid interpolation format";
    QTest::newRow("dollar before space") << "a $ b"
                                         << "invalid interpolation format";
    QTest::newRow("space in braces") << "${ TAG}"
                                     << "invalid template";
    QTest::newRow("unterminated brace") << "${TAG"
                                        << "invalid template";
    QTest::newRow("empty braces") << "${}"
                                  << "invalid template";
    QTest::newRow("unknown operator") << "${TAG:=x}"
                                      << "invalid template";
    QTest::newRow("required unset") << "${NOPE:?give NOPE}"
                                    << "required variable NOPE is missing a value: give NOPE";
    QTest::newRow("required empty with colon") << "${BLANK:?no blanks}"
                                               << "required variable BLANK is missing a value";
    QTest::newRow("required unset without colon") << "${NOPE?}"
                                                  << "required variable NOPE is missing a value";
}

void TestInterpolator::testRejectsBadSyntax()
{
    QFETCH(QString, input);
    QFETCH(QString, expectedError);

    const Interpolator::Result result = makeInterpolator().expand(input);

    QVERIFY(!result.value.has_value());
    QVERIFY2(result.error.contains(expectedError), qPrintable(result.error));
}

void TestInterpolator::testLenientSyntaxKeepsStrayDollars()
{
    const Interpolator::Result result =
        makeInterpolator(Interpolator::Syntax::Lenient).expand(QStringLiteral("pa$5 ${PORT} $"));

    QVERIFY(result.value.has_value());
    QCOMPARE(*result.value, QStringLiteral("pa$5 8080 $"));
}

void TestInterpolator::testDeepNestingIsRefused()
{
    QString text;
    for (int i = 0; i < 200; ++i) {
        text += QStringLiteral("${N:-");
    }
    text += QStringLiteral("x") + QString(200, QLatin1Char('}'));

    const Interpolator::Result result = makeInterpolator().expand(text);

    QVERIFY(!result.value.has_value());
    QVERIFY(result.error.contains(QStringLiteral("nested")));
}

QTEST_GUILESS_MAIN(TestInterpolator)
#include "tst_interpolator.moc"
