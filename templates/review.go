package templates

import (
	"io"
	"maps"
	"strings"
	"time"
)

// ReviewRow is a near miss: an inventory item whose vendor is an affected
// product's and whose product name is close to it, at a version inside.
type ReviewRow struct {
	ID         string
	OrgID      string
	OrgName    string
	Vendor     string // the item, as the inventory writes it
	Product    string
	Version    string
	Asset      string
	AdvisoryID string
	Title      string
	AdvVendor  string // the advisory's product, as it writes it
	AdvProduct string
	Why        string   // words_added or words_dropped
	Words      []string // the words
	InRange    Reason   // why the version is inside
	State      string   // pending, confirmed, dismissed
	FoundAt    time.Time
	DecidedAt  time.Time
	DecidedBy  string
}

// ReviewPage is the operator's review of near misses (GET /review): the
// pending ones with a confirm and a dismiss button each (forms posting
// CSRF), then the last ones decided.
type ReviewPage struct {
	Operator  *Operator
	Pending   []ReviewRow
	Decided   []ReviewRow
	Done      string // what the last button did, shown once
	CanDecide bool   // an operator or admin: the buttons are shown
}

type reviewView struct {
	view
	P ReviewPage
}

var reviewPage = parsePage("review.html")

// RenderReviewPage writes the review page.
func RenderReviewPage(w io.Writer, p ReviewPage) error {
	for _, rows := range [][]ReviewRow{p.Pending, p.Decided} {
		for i := range rows {
			rows[i].Title = OneLine(rows[i].Title)
		}
	}
	v := reviewView{view: opView(p.Operator), P: p}
	v.Title = v.t("op.review_title")
	return render(w, reviewPage, v)
}

// CloseWhy says in lang why a near miss's names are close: the words one
// adds to the other.
func CloseWhy(lang, why string, words []string) string {
	return OpText(lang, "op.review.why."+why, "“"+strings.Join(words, " ")+"”")
}

// Close is CloseWhy in the page's language.
func (v view) Close(r ReviewRow) string { return CloseWhy(v.lang, r.Why, r.Words) }

// The review page's words ("op.review…"), beside the other operator
// pages' (catalog_operator.go), in the same two catalogs.
var reviewEN = map[string]string{
	"op.nav.review":               "Review",
	"op.review_title":             "Near misses for review — Heed",
	"op.review_h1":                "Near misses for review",
	"op.review_info":              "Heed did not match these items: the vendor is the advisory's and the version is inside its range, but the product's name differs by a word or two. Nobody was mailed. Confirm: the case opens and is mailed like any new case, and Heed learns the two names as one product, so that the next advisory naming it matches at once. Dismiss: Heed remembers, and a later revision of the advisory does not bring the pair back.",
	"op.review.item":              "Item (inventory)",
	"op.review.adv_product":       "Advisory's product",
	"op.review.why":               "Why close",
	"op.review.why.words_added":   "the advisory's name adds %s",
	"op.review.why.words_dropped": "the item's name adds %s",
	"op.review.found":             "First found",
	"op.review.confirm":           "Confirm: open the case",
	"op.review.dismiss":           "Dismiss",
	"op.review.operator_decides":  "an operator decides",
	"op.review.none":              "No near miss waits for review.",
	"op.review.decided_h":         "Decided",
	"op.review.decision":          "Decision",
	"op.review.state.confirmed":   "confirmed by %s, %s",
	"op.review.state.dismissed":   "dismissed by %s, %s",
	"op.review.confirmed_done":    "Confirmed: the case of %s at %s is open and its notice queued; “%s” and “%s” are now one product.",
	"op.review.confirmed_joined":  "Confirmed: the item joined the open case of %s at %s; “%s” and “%s” are now one product.",
	"op.review.dismissed_done":    "Dismissed: %s at %s is not %s.",
	"op.review.form":              "This button works from a signed-in session; with a bearer token, use POST /api/v1/review/{id}/confirm or /dismiss.",
}

var reviewJA = map[string]string{
	"op.nav.review":               "確認待ち",
	"op.review_title":             "確認待ちの近い一致 — Heed",
	"op.review_h1":                "確認待ちの近い一致",
	"op.review_info":              "これらの品目は一致と判定されませんでした。ベンダーは勧告と同じで、バージョンも影響範囲内ですが、製品名が一語か二語だけ異なります。誰にもメールは送っていません。確認すると、案件が開かれて新しい案件と同じくメールが送られ、Heed は二つの名前を同じ製品として覚えるため、次にこの製品を挙げる勧告はそのまま一致します。却下すると Heed はそれを覚え、勧告の改訂でこの組み合わせが再び挙がることはありません。",
	"op.review.item":              "品目（インベントリ）",
	"op.review.adv_product":       "勧告の製品",
	"op.review.why":               "近い理由",
	"op.review.why.words_added":   "勧告の名前に %s が加わっている",
	"op.review.why.words_dropped": "品目の名前に %s が加わっている",
	"op.review.found":             "検出",
	"op.review.confirm":           "確認して案件を開く",
	"op.review.dismiss":           "却下",
	"op.review.operator_decides":  "運用者が判断します",
	"op.review.none":              "確認待ちの近い一致はありません。",
	"op.review.decided_h":         "判断済み",
	"op.review.decision":          "判断",
	"op.review.state.confirmed":   "%s が確認（%s）",
	"op.review.state.dismissed":   "%s が却下（%s）",
	"op.review.confirmed_done":    "確認しました。%s の %s の案件を開き、通知を送信待ちにしました。「%s」と「%s」は同じ製品になりました。",
	"op.review.confirmed_joined":  "確認しました。品目は %s の %s の開いている案件に加わりました。「%s」と「%s」は同じ製品になりました。",
	"op.review.dismissed_done":    "却下しました。%s の %s は %s ではありません。",
	"op.review.form":              "このボタンはサインインしたセッションから使えます。ベアラートークンでは POST /api/v1/review/{id}/confirm または /dismiss を使ってください。",
}

func init() {
	maps.Copy(catalogEN, reviewEN)
	maps.Copy(catalogJA, reviewJA)
}
