package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The organizations of a run and their inventories, made up here, and
// created through Heed's own API as an agency would: the organization
// import (CSV), then one inventory upload per organization.

// orgName is organization i's name; the run finds its id by it.
func orgName(i int) string { return fmt.Sprintf("Load organization %06d", i) }

// contact is the address of organization i's one primary contact.
func contact(i int) string { return fmt.Sprintf("sec-%06d@org%06d.load.test", i, i) }

// escalation is the address of organization i's escalation contact, who
// must not get the first notice.
func escalation(i int) string { return fmt.Sprintf("ciso-%06d@org%06d.load.test", i, i) }

// applianceProduct is a product that only organization i runs, so that an
// advisory about it hits that organization alone.
func applianceProduct(i int) string { return fmt.Sprintf("Load Appliance %06d", i) }

// language of organization i: one in five reads Japanese, so a run renders
// both languages.
func language(i int) (lang, tz string) {
	if i%5 == 4 {
		return "ja", "Asia/Tokyo"
	}
	return "en", "UTC"
}

// orgsCSV is the import file of organizations [from, to).
func orgsCSV(from, to int) []byte {
	var b strings.Builder
	b.WriteString("external_id,name,language,timezone,contacts,escalation\n")
	for i := from; i < to; i++ {
		lang, tz := language(i)
		fmt.Fprintf(&b, "load-%06d,%s,%s,%s,%s,%s\n", i, orgName(i), lang, tz, contact(i), escalation(i))
	}
	return []byte(b.String())
}

// Products the other items are drawn from: none of them is named by the
// run's advisories.
var fillerProducts = []struct{ vendor, product, version string }{
	{"Fortinet", "FortiOS", "7.2.%d"},
	{"Cisco", "IOS XE", "17.%d.1"},
	{"Microsoft", "Exchange Server", "15.2.%d"},
	{"Apache", "HTTP Server", "2.4.%d"},
	{"Citrix", "NetScaler ADC", "13.1-%d.10"},
	{"VMware", "vCenter Server", "8.0.%d"},
	{"Oracle", "WebLogic Server", "14.1.1.%d"},
	{"Atlassian", "Confluence Server", "8.5.%d"},
	{"Palo Alto Networks", "PAN-OS", "10.2.%d"},
	{"SonicWall", "SMA 100", "10.2.1.%d"},
	{"F5", "BIG-IP", "16.1.%d"},
	{"Zoho", "ManageEngine ServiceDesk Plus", "14.%d"},
}

// inventoryCSV is organization i's inventory of n items: the VPN appliance
// the fan-out advisory hits (an affected version), the appliance only it
// runs, then products no advisory of the run names.
func inventoryCSV(i, n int) []byte {
	var b strings.Builder
	b.WriteString("vendor,product,version,cpe,purl,asset\n")
	fmt.Fprintf(&b, "Pulse Secure,Pulse Connect Secure,9.0R3.3,,,vpn-%06d\n", i)
	if n > 1 {
		fmt.Fprintf(&b, "Heed Load,%s,1.0,,,appliance-%06d\n", applianceProduct(i), i)
	}
	for j := 2; j < n; j++ {
		p := fillerProducts[(i+j)%len(fillerProducts)]
		fmt.Fprintf(&b, "%s,%s,"+p.version+",,,host-%06d-%d\n", p.vendor, p.product, (i*7+j)%40, i, j)
	}
	return []byte(b.String())
}

// onboarding is what creating the organizations took.
type onboarding struct {
	Orgs, Items       int
	OrgsTook          time.Duration
	InventoriesTook   time.Duration
	OrgImportRequests int
	// Reused is the -onboarded folder a copy was taken from instead of
	// onboarding, CopyTook what the copy took.
	Reused   string
	CopyTook time.Duration
}

// onboard creates n organizations (importBatch rows per import request),
// then uploads each one's inventory with conns requests at once. It
// returns the organizations' ids by index.
func onboard(ctx context.Context, h *heedServer, n, itemsPerOrg, importBatch, conns int, progress io.Writer) ([]string, onboarding, error) {
	ob := onboarding{Orgs: n, Items: n * itemsPerOrg}
	start := time.Now()
	for from := 0; from < n; from += importBatch {
		to := min(from+importBatch, n)
		var res struct{ Created, Updated int }
		if err := h.call(ctx, "POST", "/api/v1/orgs/import", "text/csv", orgsCSV(from, to), &res); err != nil {
			return nil, ob, fmt.Errorf("import organizations %d-%d: %w", from, to-1, err)
		}
		if res.Created+res.Updated != to-from {
			return nil, ob, fmt.Errorf("import organizations %d-%d: created %d, updated %d", from, to-1, res.Created, res.Updated)
		}
		ob.OrgImportRequests++
		fmt.Fprintf(progress, "  organizations: %d of %d imported (%.1f s)\n", to, n, time.Since(start).Seconds())
	}
	ob.OrgsTook = time.Since(start)

	ids, err := orgIDs(ctx, h, n)
	if err != nil {
		return nil, ob, err
	}

	start = time.Now()
	var next, done atomic.Int64
	errs := make(chan error, conns)
	var wg sync.WaitGroup
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := h.call(ctx, "PUT", "/api/v1/orgs/"+url.PathEscape(ids[i])+"/inventory", "text/csv", inventoryCSV(i, itemsPerOrg), nil); err != nil {
					errs <- fmt.Errorf("inventory of organization %d: %w", i, err)
					return
				}
				done.Add(1)
			}
		}()
	}
	stopped := make(chan struct{})
	go func() { wg.Wait(); close(stopped) }()
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for {
		select {
		case err := <-errs:
			next.Store(int64(n)) // the others stop
			<-stopped
			return nil, ob, err
		case <-tick.C:
			d, el := done.Load(), time.Since(start)
			rate := float64(d) / el.Seconds()
			fmt.Fprintf(progress, "  inventories: %d of %d uploaded, %.0f a second, about %.0f s to go\n", d, n, rate, float64(int64(n)-d)/max(rate, 1))
		case <-stopped:
			select {
			case err := <-errs:
				return nil, ob, err
			default:
			}
			ob.InventoriesTook = time.Since(start)
			fmt.Fprintf(progress, "  inventories: %d of %d uploaded in %.1f s\n", n, n, ob.InventoriesTook.Seconds())
			return ids, ob, nil
		}
	}
}

// orgIDs pages through GET /api/v1/orgs and returns the run's organizations'
// ids by index.
func orgIDs(ctx context.Context, h *heedServer, n int) ([]string, error) {
	ids := make([]string, n)
	found := 0
	cursor := ""
	for {
		var page struct {
			Orgs []struct{ ID, Name string }
			Next string
		}
		if err := h.call(ctx, "GET", "/api/v1/orgs?limit=10000&cursor="+url.QueryEscape(cursor), "", nil, &page); err != nil {
			return nil, fmt.Errorf("list organizations: %w", err)
		}
		for _, o := range page.Orgs {
			var i int
			if _, err := fmt.Sscanf(o.Name, "Load organization %d", &i); err == nil && i < n && ids[i] == "" {
				ids[i] = o.ID
				found++
			}
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	if found != n {
		return nil, fmt.Errorf("list organizations: found %d of the %d imported", found, n)
	}
	return ids, nil
}

func jsonUnmarshal(data []byte, out any) error {
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}
