//! Seeded books for a small business: the same seed and size give the same
//! records, byte for byte.

use chrono::Datelike;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{json, Value};

use crate::books::{Collection, Record, TenantBooks, Truth};
use crate::clock::DEFAULT_START_MS;
use crate::wire::{day_ms, money, ms_date, ms_date_bare, number_text};

/// How large the generated books are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Size {
    /// A few hundred records per tenant: unit and end-to-end tests.
    #[default]
    Small,
    /// Tens of thousands: a busy small business over 18 months.
    Medium,
    /// One million bank transactions in the first tenant: benchmarks.
    Large,
}

impl std::str::FromStr for Size {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "small" => Ok(Size::Small),
            "medium" => Ok(Size::Medium),
            "large" => Ok(Size::Large),
            other => Err(format!("unknown size {other:?}: small, medium or large")),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Counts {
    contacts: usize,
    invoices: usize,
    bank_transactions: usize,
    credit_notes: usize,
    manual_journals: usize,
    others: usize,
    /// Bank transactions beyond this many get no Journals entry (keeps Large in memory).
    journaled_bank_transactions: usize,
}

fn counts(size: Size, first_tenant: bool) -> Counts {
    let small = Counts {
        contacts: 30,
        invoices: 120,
        bank_transactions: 90,
        credit_notes: 8,
        manual_journals: 6,
        others: 6,
        journaled_bank_transactions: usize::MAX,
    };
    match (size, first_tenant) {
        (Size::Small, _) | (_, false) => small,
        (Size::Medium, true) => Counts {
            contacts: 400,
            invoices: 5_000,
            bank_transactions: 20_000,
            credit_notes: 200,
            manual_journals: 60,
            others: 40,
            journaled_bank_transactions: usize::MAX,
        },
        (Size::Large, true) => Counts {
            contacts: 2_000,
            invoices: 50_000,
            bank_transactions: 1_000_000,
            credit_notes: 1_000,
            manual_journals: 200,
            others: 100,
            journaled_bank_transactions: 20_000,
        },
    }
}

/// One organisation's fixed facts.
#[derive(Debug, Clone, Copy)]
pub struct TenantProfile {
    pub name: &'static str,
    pub country: &'static str,
    pub version: &'static str,
    pub currency: &'static str,
    pub timezone: &'static str,
    pub tax_rate: &'static str,
    pub tax_name: &'static str,
    pub output_tax: &'static str,
    pub input_tax: &'static str,
}

/// The simulator's organisations: different currencies, timezones and tax.
pub const TENANTS: [TenantProfile; 3] = [
    TenantProfile {
        name: "Kōwhai Plumbing Ltd",
        country: "NZ",
        version: "NZ",
        currency: "NZD",
        timezone: "NEWZEALANDSTANDARDTIME",
        tax_rate: "0.15",
        tax_name: "GST",
        output_tax: "OUTPUT2",
        input_tax: "INPUT2",
    },
    TenantProfile {
        name: "Brightside Café Pty Ltd",
        country: "AU",
        version: "AU",
        currency: "AUD",
        timezone: "AUSEASTERNSTANDARDTIME",
        tax_rate: "0.10",
        tax_name: "GST",
        output_tax: "OUTPUT",
        input_tax: "INPUT",
    },
    TenantProfile {
        name: "Ærø & Søn Design Ltd",
        country: "GB",
        version: "UK",
        currency: "GBP",
        timezone: "GMTSTANDARDTIME",
        tax_rate: "0.20",
        tax_name: "VAT",
        output_tax: "OUTPUT2",
        input_tax: "INPUT2",
    },
];

const FIRST: [&str; 16] = [
    "Kererū",
    "Zoë's",
    "Müller &",
    "Østergaard",
    "Ōtaki",
    "Café",
    "O'Neill",
    "Łódź",
    "Ngā Hau",
    "Bright",
    "Harbour",
    "Summit",
    "さくら",
    "Χαρά",
    "Tūī",
    "Blue Fish",
];
const SECOND: [&str; 12] = [
    "Bakery",
    "Söhne GmbH",
    "ApS",
    "Orchards",
    "Ñandú",
    "Plumbing",
    "Trading",
    "e Whā",
    "Supplies Ltd",
    "商事",
    "Foods",
    "& Sons",
];
const ITEMS: [(&str, &str); 8] = [
    ("PIPE-15", "Copper pipe 15 mm (per metre)"),
    ("VALVE-B", "Brass ball valve"),
    ("LABOUR", "Labour, per hour"),
    ("CALLOUT", "Call-out fee"),
    ("FLAT-WHT", "Flat white ☕"),
    ("DESIGN", "Design consultation"),
    ("TAP-MIX", "Mixer tap, chrome"),
    ("GAS-CERT", "Gas safety certificate"),
];

/// Unit prices per contact (by its index): from a café's coffee to a fit-out.
const PRICE_LEVELS: [Decimal; 8] = [
    Decimal::from_parts(15, 0, 0, false, 0),
    Decimal::from_parts(40, 0, 0, false, 0),
    Decimal::from_parts(90, 0, 0, false, 0),
    Decimal::from_parts(160, 0, 0, false, 0),
    Decimal::from_parts(250, 0, 0, false, 0),
    Decimal::from_parts(400, 0, 0, false, 0),
    Decimal::from_parts(650, 0, 0, false, 0),
    Decimal::from_parts(1000, 0, 0, false, 0),
];

/// Where the books end: the day before the default clock start.
pub const BOOKS_END_MS: i64 = DEFAULT_START_MS - 86_400_000;
const SPAN_DAYS: i64 = 540;

/// How the books lie in time and what they look like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Profile {
    /// The books every test compares with: 540 days ending on
    /// [`BOOKS_END_MS`]'s day, byte for byte the same for a seed and size.
    #[default]
    Fixed,
    /// The demo company as of `today` (the organisation's calendar day):
    /// the 24 months up to the day before, a healthy small business (paid
    /// on time mostly, some invoices current, a few overdue in each ageing
    /// bucket, bills due this week, positive and seasonal bank balances,
    /// one customer invoiced in a foreign currency). Another `today` is
    /// another organisation: its ids are drawn from the seed and the day.
    LivingDemo { today: chrono::NaiveDate },
}

/// The living demo's customer abroad (by index among the contacts).
const FOREIGN_CUSTOMER: usize = 1;

/// The living demo's placed invoices, the last of the year's: (sales, due
/// in so many days from today; negative is overdue). Open, so that each
/// ageing bucket (1–30, 31–60, 61–90, older) has some, some sales are
/// current, and bills fall due this week.
const LIVING_PLACED: [(bool, i64); 16] = [
    (true, -4),
    (true, -17),
    (true, -26),
    (true, -35),
    (true, -52),
    (true, -64),
    (true, -83),
    (true, -118),
    (true, -205),
    (true, 6),
    (true, 13),
    (true, 24),
    (false, 1),
    (false, 3),
    (false, 6),
    (false, 20),
];

/// How busy each month is in the living demo (percent, January first).
const LIVING_SEASON: [u32; 12] = [55, 60, 75, 90, 100, 100, 95, 85, 80, 75, 70, 60];

/// Which of [`LIVING_PLACED`] is the customer abroad's: a current invoice.
const LIVING_PLACED_ABROAD: usize = 10;

/// The living demo's span: 24 months.
const LIVING_SPAN_DAYS: i64 = 730;

/// Generates every tenant's books.
pub fn generate(seed: u64, size: Size) -> Truth {
    generate_profile(seed, size, Profile::Fixed)
}

/// Generates every tenant's books in `profile`.
pub fn generate_profile(seed: u64, size: Size, profile: Profile) -> Truth {
    let (seed, frame) = match profile {
        Profile::Fixed => (seed, Frame::FIXED),
        Profile::LivingDemo { today } => {
            let today_day = today
                .and_hms_opt(0, 0, 0)
                .map_or(0, |d| d.and_utc().timestamp().div_euclid(86_400));
            (
                seed ^ (today_day as u64).wrapping_mul(0xD1B5_4A32_D192_ED03),
                Frame {
                    end_ms: day_ms(today_day - 1),
                    span_days: LIVING_SPAN_DAYS,
                    living: true,
                },
            )
        }
    };
    let tenants = TENANTS
        .iter()
        .enumerate()
        .map(|(i, profile)| {
            let mut g = Gen::new(seed, i as u64, *profile, counts(size, i == 0));
            g.frame = frame;
            g.run();
            g.books
        })
        .collect();
    Truth { tenants }
}

/// Where the books end (ms at midnight UTC of their last day), how many days
/// they span, and whether they are the living demo's.
#[derive(Debug, Clone, Copy)]
struct Frame {
    end_ms: i64,
    span_days: i64,
    living: bool,
}

impl Frame {
    const FIXED: Frame = Frame {
        end_ms: BOOKS_END_MS,
        span_days: SPAN_DAYS,
        living: false,
    };
}

/// A deterministic UUID from the generator.
pub fn uuid_from(rng: &mut impl Rng) -> String {
    uuid::Builder::from_random_bytes(rng.random())
        .into_uuid()
        .to_string()
}

/// A posting line: account code, net, tax.
type PostLine = (&'static str, Decimal, Decimal);
/// Line items, their subtotal and tax, and what they post.
type GeneratedLines = (Vec<Value>, Decimal, Decimal, Vec<PostLine>);

fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

#[derive(Debug, Clone)]
struct AccountRef {
    id: String,
    code: &'static str,
    name: &'static str,
    kind: &'static str,
}

impl AccountRef {
    fn short(&self) -> Value {
        json!({"AccountID": self.id, "Code": self.code, "Name": self.name})
    }

    fn short_text(&self) -> String {
        let mut o = JsonText::default();
        o.str("AccountID", &self.id);
        o.str("Code", self.code);
        o.str("Name", self.name);
        o.finish()
    }
}

#[derive(Debug, Clone)]
struct ContactRef {
    id: String,
    name: String,
}

impl ContactRef {
    fn short_text(&self) -> String {
        let mut o = JsonText::default();
        o.str("ContactID", &self.id);
        o.str("Name", &self.name);
        o.raw("Addresses", "[]");
        o.raw("Phones", "[]");
        o.raw("ContactGroups", "[]");
        o.raw("ContactPersons", "[]");
        o.raw("HasValidationErrors", "false");
        o.finish()
    }

    fn short(&self) -> Value {
        json!({"ContactID": self.id, "Name": self.name, "Addresses": [], "Phones": [], "ContactGroups": [], "ContactPersons": [], "HasValidationErrors": false})
    }
}

/// What settles part of an invoice: (date, the payment's or allocation's id,
/// amount in the invoice's currency, for a payment its bank account and the
/// amount in the bank's currency, created, the document that posts it).
type Settled = (
    i64,
    String,
    Decimal,
    Option<(&'static str, Decimal)>,
    i64,
    String,
);

/// An event that posts to the general ledger, numbered into Journals at the end.
#[derive(Debug, Clone)]
struct Posting {
    created_ms: i64,
    date_ms: i64,
    source_id: String,
    source_type: &'static str,
    reference: String,
    /// (account code, net, tax), in the document's currency.
    lines: Vec<(&'static str, Decimal, Decimal)>,
    /// Xero's `CurrencyRate` of the document (foreign units per base unit;
    /// one for the base currency): Journals are in the base currency, each
    /// line converted on its own and the cents left over to Rounding.
    rate: Decimal,
}

#[derive(Debug)]
struct Gen {
    rng: ChaCha8Rng,
    p: TenantProfile,
    c: Counts,
    rate: Decimal,
    books: TenantBooks,
    accounts: Vec<AccountRef>,
    contacts: Vec<ContactRef>,
    tracking: Vec<(String, String, String)>,
    postings: Vec<Posting>,
    /// The price level of the contact last chosen: each trades at its own scale.
    price_level: Decimal,
    /// Batch payments draw from their own stream, so the rest of the books
    /// stay what they were before batches were simulated.
    batch_rng: ChaCha8Rng,
    frame: Frame,
}

impl Gen {
    fn new(seed: u64, index: u64, p: TenantProfile, c: Counts) -> Gen {
        let mut rng = ChaCha8Rng::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index);
        let batch_rng = ChaCha8Rng::seed_from_u64(
            seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index ^ 0xBA7C_4BA7_C4BA_7C40,
        );
        let tenant_id = uuid_from(&mut rng);
        let books = TenantBooks::new(&tenant_id, p.name, p.currency, p.timezone);
        let rate = p.tax_rate.parse().unwrap_or(Decimal::ZERO);
        Gen {
            rng,
            p,
            c,
            rate,
            books,
            accounts: Vec::new(),
            contacts: Vec::new(),
            tracking: Vec::new(),
            postings: Vec::new(),
            price_level: Decimal::ONE,
            batch_rng,
            frame: Frame::FIXED,
        }
    }

    fn uuid(&mut self) -> String {
        uuid_from(&mut self.rng)
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.rng.random_range(0..100) < percent
    }

    /// A calendar day (ms at midnight UTC) within the books' span.
    fn day(&mut self) -> i64 {
        let end_day = self.frame.end_ms.div_euclid(86_400_000);
        if self.frame.living {
            // Seasonal: busier in some months than in others.
            loop {
                let d = day_ms(end_day - self.rng.random_range(0..self.frame.span_days));
                let month =
                    chrono::DateTime::from_timestamp_millis(d).map_or(0, |t| t.month0() as usize);
                if self.rng.random_range(0..100) < LIVING_SEASON[month % 12] {
                    return d;
                }
            }
        }
        day_ms(end_day - self.rng.random_range(0..self.frame.span_days))
    }

    /// An instant on or after `date_ms`, never after the books' end.
    fn after(&mut self, date_ms: i64) -> i64 {
        let t = date_ms + self.rng.random_range(3_600_000..5 * 86_400_000);
        t.min(self.frame.end_ms + 86_399_000) / 1000 * 1000 + self.rng.random_range(0..1000)
    }

    /// The living demo's invoice `i` of the year: the last few are placed
    /// (overdue in each ageing bucket, current, bills due this week); the
    /// rest are paid once due, and some not yet due are open. Returns the
    /// invoice's (sales, contact, date, due, status).
    fn living_invoice(
        &mut self,
        i: usize,
        sales: bool,
        contact: ContactRef,
        date: i64,
        due: i64,
    ) -> (bool, ContactRef, i64, i64, Option<&'static str>) {
        let today = self.frame.end_ms.div_euclid(86_400_000) + 1;
        let placed = LIVING_PLACED.len();
        if let Some(k) = (i + placed).checked_sub(self.c.invoices) {
            let (sales, due_in) = LIVING_PLACED[k];
            // Anyone but the customer abroad, who has one current invoice.
            let mut contact = self.contact();
            while self.contacts.get(FOREIGN_CUSTOMER).map(|c| &c.id) == Some(&contact.id) {
                contact = self.contact();
            }
            if k == LIVING_PLACED_ABROAD {
                if let Some(abroad) = self.contacts.get(FOREIGN_CUSTOMER) {
                    contact = abroad.clone();
                }
            }
            let due = day_ms(today + due_in);
            let date = day_ms(today + due_in - 30).min(day_ms(today - 1));
            return (sales, contact, date, due, Some("AUTHORISED"));
        }
        let (mut sales, mut contact) = (sales, contact);
        if self.chance(8) {
            if let Some(abroad) = self.contacts.get(FOREIGN_CUSTOMER) {
                (sales, contact) = (true, abroad.clone());
            }
        }
        let roll = self.rng.random_range(0..100);
        let status = match roll {
            0..=3 => "DRAFT",
            4 => "SUBMITTED",
            5..=6 => "VOIDED",
            7 => "DELETED",
            _ if due >= day_ms(today) && roll < 60 => "AUTHORISED",
            _ => "PAID",
        };
        (sales, contact, date, due, Some(status))
    }

    fn account(&self, code: &str) -> AccountRef {
        self.accounts
            .iter()
            .find(|a| a.code == code)
            .cloned()
            .unwrap_or_else(|| AccountRef {
                id: String::new(),
                code: "000",
                name: "Unknown",
                kind: "EXPENSE",
            })
    }

    /// A random contact; the lines generated next are priced at its level.
    fn contact(&mut self) -> ContactRef {
        let i = self.rng.random_range(0..self.contacts.len().max(1));
        self.price_level = PRICE_LEVELS[i % PRICE_LEVELS.len()];
        self.contacts.get(i).cloned().unwrap_or(ContactRef {
            id: String::new(),
            name: String::new(),
        })
    }

    fn put(&mut self, collection: Collection, value: &Value) {
        self.books.put(collection, value);
    }

    fn run(&mut self) {
        self.organisation();
        self.settings();
        self.contacts();
        self.items();
        self.invoices();
        self.open_credit_notes();
        self.bank_transactions();
        self.transfers();
        self.over_and_prepayments();
        self.manual_journals();
        self.documents();
        self.system_accounts();
        self.pay_runs();
        self.batch_payments();
        if self.frame.living {
            self.living_capital();
        }
        self.journals();
    }

    /// The living demo's owner put money in at the start: into each bank
    /// account, enough that it never runs dry, and a cushion (so balances
    /// are positive and move with the seasons rather than below zero).
    fn living_capital(&mut self) {
        let first = day_ms(self.frame.end_ms.div_euclid(86_400_000) - self.frame.span_days);
        for code in ["090", "091"] {
            let mut moves: Vec<(i64, Decimal)> = self
                .postings
                .iter()
                .flat_map(|p| {
                    p.lines
                        .iter()
                        .filter(|(c, _, _)| *c == code)
                        .map(move |(_, net, tax)| (p.date_ms, *net + *tax))
                })
                .collect();
            moves.sort_by_key(|(d, _)| *d);
            let (mut balance, mut lowest) = (Decimal::ZERO, Decimal::ZERO);
            for (_, amount) in moves {
                balance += amount;
                lowest = lowest.min(balance);
            }
            let thousand = Decimal::from(1000);
            let cushion = Decimal::from(if code == "090" { 12_000 } else { 8_000 });
            let amount = ((-lowest) / thousand).ceil() * thousand + cushion;
            let id = self.uuid();
            let bank = self.account(code);
            let equity = self.account("970");
            let created = self.after(first);
            let line_id = self.uuid();
            let reference = "Owner's capital";
            let tx = json!({
                "BankTransactionID": id,
                "Type": "RECEIVE",
                "Contact": self.contacts.first().map(|c| c.short()).unwrap_or_default(),
                "LineItems": [{"LineItemID": line_id, "Description": "Capital introduced", "Quantity": 1, "UnitAmount": money(amount), "AccountCode": equity.code, "TaxType": "NONE", "TaxAmount": 0.00, "LineAmount": money(amount), "Tracking": []}],
                "BankAccount": bank.short(),
                "IsReconciled": true,
                "Date": ms_date(first),
                "Reference": reference,
                "CurrencyCode": self.p.currency,
                "CurrencyRate": 1.0,
                "Status": "AUTHORISED",
                "LineAmountTypes": "NoTax",
                "SubTotal": money(amount),
                "TotalTax": 0.00,
                "Total": money(amount),
                "UpdatedDateUTC": ms_date(created),
                "HasAttachments": false
            });
            self.put(Collection::BankTransactions, &tx);
            self.postings.push(Posting {
                rate: Decimal::ONE,
                created_ms: created,
                date_ms: first,
                source_id: id,
                source_type: "CASHREC",
                reference: reference.to_owned(),
                lines: vec![
                    (bank.code, amount, Decimal::ZERO),
                    (equity.code, -amount, Decimal::ZERO),
                ],
            });
        }
    }

    fn organisation(&mut self) {
        let id = self.books.tenant_id.clone();
        let short = format!("!{}", &id[..5]);
        let p = self.p;
        let org = json!({
            "OrganisationID": id,
            "APIKey": "",
            "Name": p.name,
            "LegalName": p.name,
            "PaysTax": true,
            "Version": p.version,
            "OrganisationType": "COMPANY",
            "BaseCurrency": p.currency,
            "CountryCode": p.country,
            "IsDemoCompany": false,
            "OrganisationStatus": "ACTIVE",
            "TaxNumber": "123-456-789",
            "FinancialYearEndDay": 31,
            "FinancialYearEndMonth": 3,
            "SalesTaxBasis": "INVOICE",
            "SalesTaxPeriod": "2MONTHLY",
            "DefaultSalesTax": "Tax Exclusive",
            "DefaultPurchasesTax": "Tax Exclusive",
            "CreatedDateUTC": ms_date(self.frame.end_ms - (self.frame.span_days + 30) * 86_400_000),
            "OrganisationEntityType": "COMPANY",
            "Timezone": p.timezone,
            "ShortCode": short,
            "Edition": "BUSINESS",
            "Class": "STANDARD",
            "LineOfBusiness": "Small business",
            "Addresses": [],
            "Phones": [],
            "ExternalLinks": [],
            "PaymentTerms": {}
        });
        self.put(Collection::Organisation, &org);
    }

    fn settings(&mut self) {
        let p = self.p;
        for code in [p.currency, "USD", "EUR"] {
            self.put(
                Collection::Currencies,
                &json!({"Code": code, "Description": code_name(code)}),
            );
        }
        let rate_pct = self.rate * Decimal::from(100);
        let rate_pct = rate_pct.normalize();
        for (name, tax_type, report, pct) in [
            (
                format!("{} on Income", p.tax_name),
                p.output_tax,
                "OUTPUT",
                rate_pct,
            ),
            (
                format!("{} on Expenses", p.tax_name),
                p.input_tax,
                "INPUT",
                rate_pct,
            ),
            ("No Tax".to_owned(), "NONE", "NONE", Decimal::ZERO),
        ] {
            self.put(
                Collection::TaxRates,
                &json!({
                    "Name": name,
                    "TaxType": tax_type,
                    "ReportTaxType": report,
                    "CanApplyToAssets": true,
                    "CanApplyToEquity": true,
                    "CanApplyToExpenses": true,
                    "CanApplyToLiabilities": true,
                    "CanApplyToRevenue": true,
                    "DisplayTaxRate": money(pct),
                    "EffectiveRate": money(pct),
                    "Status": "ACTIVE",
                    "TaxComponents": [{"Name": p.tax_name, "Rate": money(pct), "IsCompound": false, "IsNonRecoverable": false}]
                }),
            );
        }
        let chart: [(&str, &str, &str, &str, &str); 13] = [
            ("090", "Business Bank Account", "BANK", "ASSET", "NONE"),
            ("091", "Business Savings Account", "BANK", "ASSET", "NONE"),
            ("200", "Sales", "REVENUE", "REVENUE", p.output_tax),
            ("260", "Other Revenue", "REVENUE", "REVENUE", p.output_tax),
            (
                "310",
                "Cost of Goods Sold",
                "DIRECTCOSTS",
                "EXPENSE",
                p.input_tax,
            ),
            ("400", "Advertising", "OVERHEADS", "EXPENSE", p.input_tax),
            (
                "429",
                "General Expenses",
                "OVERHEADS",
                "EXPENSE",
                p.input_tax,
            ),
            ("610", "Accounts Receivable", "CURRENT", "ASSET", "NONE"),
            ("800", "Accounts Payable", "CURRLIAB", "LIABILITY", "NONE"),
            ("820", "GST", "CURRLIAB", "LIABILITY", "NONE"),
            (
                "970",
                "Owner A Funds Introduced",
                "EQUITY",
                "EQUITY",
                "NONE",
            ),
            ("480", "Petty Cash (old)", "EXPENSE", "EXPENSE", p.input_tax),
            ("960", "Retained Earnings", "EQUITY", "EQUITY", "NONE"),
        ];
        for (code, name, kind, class, tax) in chart {
            let id = self.uuid();
            let updated = self.after(self.frame.end_ms - self.frame.span_days * 86_400_000);
            let mut a = json!({
                "AccountID": id,
                "Code": code,
                "Name": name,
                "Status": if code == "480" { "ARCHIVED" } else { "ACTIVE" },
                "Type": kind,
                "TaxType": tax,
                "Class": class,
                "EnablePaymentsToAccount": false,
                "ShowInExpenseClaims": kind == "OVERHEADS",
                "ReportingCode": format!("{}.{}", &class[..3], code),
                "ReportingCodeName": name,
                "HasAttachments": false,
                "UpdatedDateUTC": ms_date(updated),
                "AddToWatchlist": false
            });
            if kind == "BANK" {
                a["BankAccountNumber"] = json!(format!("12-3456-{code}0000-00"));
                a["BankAccountType"] = json!("BANK");
                a["CurrencyCode"] = json!(p.currency);
            }
            match code {
                "610" => a["SystemAccount"] = json!("DEBTORS"),
                "800" => a["SystemAccount"] = json!("CREDITORS"),
                "820" => a["SystemAccount"] = json!("GST"),
                "960" => a["SystemAccount"] = json!("RETAINEDEARNINGS"),
                _ => {}
            }
            self.put(Collection::Accounts, &a);
            self.accounts.push(AccountRef {
                id,
                code,
                name,
                kind,
            });
        }
        for (name, status, options) in [
            ("Region", "ACTIVE", vec!["North", "South", "Ōtautahi"]),
            ("Old projects", "ARCHIVED", vec!["Fit-out 2024"]),
        ] {
            let cat_id = self.uuid();
            let mut opts = Vec::new();
            for o in options {
                let oid = self.uuid();
                if status == "ACTIVE" {
                    self.tracking
                        .push((cat_id.clone(), oid.clone(), o.to_owned()));
                }
                opts.push(json!({"TrackingOptionID": oid, "Name": o, "Status": "ACTIVE", "HasValidationErrors": false, "IsDeleted": false, "IsArchived": false, "IsActive": true}));
            }
            self.put(
                Collection::TrackingCategories,
                &json!({"TrackingCategoryID": cat_id, "Name": name, "Status": status, "Options": opts}),
            );
        }
    }

    fn contacts(&mut self) {
        let mut customers = Vec::new();
        for i in 0..self.c.contacts {
            let id = self.uuid();
            let base = format!(
                "{} {}",
                FIRST[i % FIRST.len()],
                SECOND[(i / FIRST.len() + i) % SECOND.len()]
            );
            let name = if i < FIRST.len() * SECOND.len() {
                base
            } else {
                format!("{base} {}", i + 1)
            };
            let is_customer = i % 3 != 2;
            let archived = self.chance(5);
            let updated = {
                let d = self.day();
                self.after(d)
            };
            let c = json!({
                "ContactID": id,
                "ContactStatus": if archived { "ARCHIVED" } else { "ACTIVE" },
                "Name": name,
                "FirstName": FIRST[i % FIRST.len()],
                "LastName": SECOND[i % SECOND.len()],
                "EmailAddress": format!("accounts{}@example.com", i + 1),
                "Addresses": [{"AddressType": "POBOX", "City": "Ōtautahi", "PostalCode": "8011", "Country": self.p.country}],
                "Phones": [{"PhoneType": "DEFAULT", "PhoneNumber": format!("555-{:04}", i)}],
                // Some records carry the offset-free form Xero also sends.
                "UpdatedDateUTC": if i % 7 == 3 { ms_date_bare(updated) } else { ms_date(updated) },
                "ContactGroups": [],
                "IsSupplier": !is_customer || i % 5 == 0,
                "IsCustomer": is_customer,
                "DefaultCurrency": self.p.currency,
                "ContactPersons": [],
                "HasAttachments": false,
                "HasValidationErrors": false
            });
            let mut c = c;
            if !is_customer || i % 5 == 0 {
                // Suppliers are paid by bank transfer: their account, from the index alone.
                c["BankAccountDetails"] = json!(format!(
                    "{:02}-{:04}-{:07}-{:02}",
                    10 + i % 30,
                    1000 + i,
                    7 * i + 1,
                    i % 100
                ));
            }
            self.put(Collection::Contacts, &c);
            let r = ContactRef { id, name };
            if is_customer && customers.len() < 5 {
                customers.push(r.short());
            }
            self.contacts.push(r);
        }
        let gid = self.uuid();
        self.put(Collection::ContactGroups, &json!({"ContactGroupID": gid, "Name": "Regular customers ★", "Status": "ACTIVE", "Contacts": customers}));
        let gid = self.uuid();
        self.put(Collection::ContactGroups, &json!({"ContactGroupID": gid, "Name": "Old suppliers", "Status": "DELETED", "Contacts": []}));
    }

    fn items(&mut self) {
        for (code, name) in ITEMS {
            let id = self.uuid();
            let sale = Decimal::new(self.rng.random_range(10_000..9_000_000), 4);
            let buy = round2(sale * Decimal::new(6, 1));
            let updated = {
                let d = self.day();
                self.after(d)
            };
            self.put(
                Collection::Items,
                &json!({
                    "ItemID": id,
                    "Code": code,
                    "Name": name,
                    "Description": name,
                    "PurchaseDescription": name,
                    "IsSold": true,
                    "IsPurchased": code != "LABOUR",
                    "IsTrackedAsInventory": false,
                    "SalesDetails": {"UnitPrice": money(sale), "AccountCode": "200", "TaxType": self.p.output_tax},
                    "PurchaseDetails": {"UnitPrice": money(buy), "AccountCode": "310", "TaxType": self.p.input_tax},
                    "UpdatedDateUTC": ms_date(updated)
                }),
            );
        }
    }

    /// Line items with 4-decimal unit prices, tax rounded per line.
    fn lines(&mut self, sales: bool, n: usize) -> GeneratedLines {
        let (specs, sub, tax, post) = self.line_specs(sales, n);
        (specs.iter().map(LineSpec::value).collect(), sub, tax, post)
    }

    fn line_specs(
        &mut self,
        sales: bool,
        n: usize,
    ) -> (Vec<LineSpec>, Decimal, Decimal, Vec<PostLine>) {
        let mut out = Vec::new();
        let mut post = Vec::new();
        let (mut sub, mut tax) = (Decimal::ZERO, Decimal::ZERO);
        for _ in 0..n {
            let qty = if self.chance(20) {
                Decimal::new(self.rng.random_range(25..2000), 2)
            } else {
                Decimal::from(self.rng.random_range(1..12))
            };
            // 0.75 to 1.25 times the contact's price level, to 4 dp: a supplier's
            // bills vary with quantities, not by orders of magnitude.
            let spread =
                Decimal::new(self.rng.random_range(10_000..25_000_000), 4) / Decimal::from(5_000);
            let unit = (self.price_level * (Decimal::new(75, 2) + spread)).round_dp(4);
            let amount = round2(qty * unit);
            let t = round2(amount * self.rate);
            let code: &'static str = if sales {
                "200"
            } else {
                ["310", "400", "429"][self.rng.random_range(0..3)]
            };
            let item = ITEMS[self.rng.random_range(0..ITEMS.len())];
            let id = self.uuid();
            let item_code = self.chance(40).then_some(item.0);
            let tracking = if !self.tracking.is_empty() && self.chance(30) {
                Some(self.tracking[self.rng.random_range(0..self.tracking.len())].clone())
            } else {
                None
            };
            sub += amount;
            tax += t;
            post.push((code, amount, t));
            out.push(LineSpec {
                id,
                description: item.1,
                qty,
                unit,
                code,
                tax_type: if sales {
                    self.p.output_tax
                } else {
                    self.p.input_tax
                },
                tax: t,
                amount,
                item_code,
                tracking,
            });
        }
        (out, sub, tax, post)
    }

    fn invoices(&mut self) {
        let end_day = self.frame.end_ms.div_euclid(86_400_000);
        let (mut n_rec, mut n_credit) = (0, 0);
        for i in 0..self.c.invoices {
            let sales = self.chance(60);
            let contact = self.contact();
            let date = self.day();
            let due = date + day_ms(self.rng.random_range(7..45));
            let (sales, contact, date, due, living_status) = if self.frame.living {
                self.living_invoice(i, sales, contact, date, due)
            } else {
                (sales, contact, date, due, None)
            };
            let kind = if sales { "ACCREC" } else { "ACCPAY" };
            let n_lines = self.rng.random_range(1..5);
            let (lines, sub, tax, post) = self.lines(sales, n_lines);
            let total = sub + tax;
            let id = self.uuid();
            let roll = self.rng.random_range(0..100);
            let mut status = match roll {
                0..=9 => "DRAFT",
                10..=12 => "SUBMITTED",
                13..=16 => "VOIDED",
                17..=19 => "DELETED",
                20..=54 => "AUTHORISED",
                _ => "PAID",
            };
            if let Some(living) = living_status {
                status = living;
            }
            let foreign = self.chance(8);
            // The living demo has one customer abroad, invoiced in dollars.
            let foreign = if self.frame.living {
                sales && self.contacts.get(FOREIGN_CUSTOMER).map(|c| &c.id) == Some(&contact.id)
            } else {
                foreign
            };
            let (currency, rate) = if foreign {
                (
                    "USD",
                    format!(
                        "{:.6}",
                        Decimal::new(self.rng.random_range(550_000..1_700_000), 6)
                    ),
                )
            } else {
                (self.p.currency, "1.000000".to_owned())
            };
            let fx: Decimal = rate.parse().unwrap_or(Decimal::ONE);
            let number = if sales {
                n_rec += 1;
                format!("INV-{n_rec:05}")
            } else {
                format!("BILL-{:05}", i + 1)
            };
            let created = self.after(date);
            let mut updated = created;
            let mut payments = Vec::new();
            let mut credit_notes = Vec::new();
            let (mut paid, mut credited) = (Decimal::ZERO, Decimal::ZERO);
            let short_invoice = json!({"InvoiceID": id, "InvoiceNumber": number, "Type": kind, "Contact": contact.short(), "CurrencyCode": currency});
            // What settles the invoice: (date, the payment's or allocation's id,
            // amount, the bank account and amount in its currency for a payment,
            // created, the document that posts it).
            let mut settled: Vec<Settled> = Vec::new();
            // Credit notes allocated against some open invoices.
            if (status == "AUTHORISED" || status == "PAID")
                && n_credit < self.c.credit_notes
                && self.chance(12)
            {
                n_credit += 1;
                let part = round2(total * Decimal::new(self.rng.random_range(10..40), 2));
                let cn_id = self.uuid();
                let cn_date = (date + day_ms(self.rng.random_range(1..20))).min(day_ms(end_day));
                let cn_created = self.after(cn_date);
                updated = updated.max(cn_created);
                let net = round2(part / (Decimal::ONE + self.rate));
                let cn_tax = part - net;
                let cn_number = format!("CN-{n_credit:04}");
                let alloc_id = self.uuid();
                let line_id = self.uuid();
                let cn = json!({
                    "Type": if sales { "ACCRECCREDIT" } else { "ACCPAYCREDIT" },
                    "Contact": contact.short(),
                    "Date": ms_date(cn_date),
                    "Status": "PAID",
                    "LineAmountTypes": "Exclusive",
                    "LineItems": [{"LineItemID": line_id, "Description": "Credit: returned goods", "Quantity": 1, "UnitAmount": money(net), "AccountCode": if sales {"200"} else {"429"}, "TaxType": if sales { self.p.output_tax } else { self.p.input_tax }, "TaxAmount": money(cn_tax), "LineAmount": money(net), "Tracking": []}],
                    "SubTotal": money(net),
                    "TotalTax": money(cn_tax),
                    "Total": money(part),
                    "UpdatedDateUTC": ms_date(cn_created),
                    "CurrencyCode": currency,
                    "CurrencyRate": number_text(&rate),
                    "FullyPaidOnDate": ms_date(cn_date),
                    "CreditNoteID": cn_id,
                    "CreditNoteNumber": cn_number,
                    "SentToContact": false,
                    "RemainingCredit": 0.00,
                    "Allocations": [{"AllocationID": alloc_id, "Amount": money(part), "Date": ms_date(cn_date), "Invoice": short_invoice}],
                    "Payments": [],
                    "HasAttachments": false,
                    "HasErrors": false
                });
                self.put(Collection::CreditNotes, &cn);
                credit_notes.push(json!({"CreditNoteID": cn_id, "CreditNoteNumber": cn_number, "Total": money(part), "AppliedAmount": money(part), "Date": ms_date(cn_date), "HasAttachments": false, "HasErrors": false}));
                credited = part;
                settled.push((
                    cn_date,
                    alloc_id.clone(),
                    part,
                    None,
                    cn_created,
                    cn_id.clone(),
                ));
                self.postings.push(Posting {
                    rate: fx,
                    created_ms: cn_created,
                    date_ms: cn_date,
                    source_id: cn_id,
                    source_type: if sales {
                        "ACCRECCREDIT"
                    } else {
                        "ACCPAYCREDIT"
                    },
                    reference: cn_number_ref(&contact.name),
                    lines: {
                        let (ar, code, s) = if sales {
                            ("610", "200", Decimal::ONE)
                        } else {
                            ("800", "429", Decimal::NEGATIVE_ONE)
                        };
                        vec![(ar, -s * part, Decimal::ZERO), (code, s * net, s * cn_tax)]
                    },
                });
            }
            let open = total - credited;
            let to_pay = match status {
                "PAID" => open,
                "AUTHORISED" if self.chance(35) => {
                    round2(open * Decimal::new(self.rng.random_range(10..90), 2))
                }
                _ => Decimal::ZERO,
            };
            if status == "PAID" && open.is_zero() {
                status = "PAID";
            }
            let mut remaining = to_pay;
            let n_payments = if to_pay > Decimal::from(50) && self.chance(30) {
                2
            } else {
                1
            };
            // (date, id, amount, bank code, created, amount in the bank's currency)
            for k in 0..n_payments {
                if remaining <= Decimal::ZERO {
                    break;
                }
                let amount = if k + 1 == n_payments {
                    remaining
                } else {
                    round2(remaining / Decimal::from(2))
                };
                remaining -= amount;
                let pay_date = if self.frame.living {
                    // Paid on time: by the due date.
                    let days = (due - date).div_euclid(86_400_000).max(0);
                    (date + day_ms(self.rng.random_range(0..=days))).min(day_ms(end_day))
                } else {
                    (date + day_ms(self.rng.random_range(0..40) * (k as i64 + 1)))
                        .min(day_ms(end_day))
                };
                let pay_created = self.after(pay_date);
                updated = updated.max(pay_created);
                let pid = self.uuid();
                let code = if self.chance(90) { "090" } else { "091" };
                let bank = self.account(code);
                let reconciled = self.chance(70);
                let reference = format!("Payment {number}");
                // A foreign invoice is paid at the day's rate, not the one it was
                // booked at: the difference is a realised currency gain or loss.
                let pay_rate = if foreign {
                    let drift = Decimal::from(pay_date.div_euclid(86_400_000).rem_euclid(41) - 20);
                    (fx * (Decimal::from(1000) + drift) / Decimal::from(1000)).round_dp(6)
                } else {
                    fx
                };
                let pay_rate_text = format!("{pay_rate:.6}");
                let bank_amount = if foreign {
                    round2(amount / pay_rate)
                } else {
                    amount
                };
                let pay = json!({
                    "PaymentID": pid,
                    "Date": ms_date(pay_date),
                    "BankAmount": money(bank_amount),
                    "Amount": money(amount),
                    "Reference": reference,
                    "CurrencyRate": number_text(&pay_rate_text),
                    "PaymentType": if sales { "ACCRECPAYMENT" } else { "ACCPAYPAYMENT" },
                    "Status": "AUTHORISED",
                    "UpdatedDateUTC": ms_date(pay_created),
                    "HasAccount": true,
                    "IsReconciled": reconciled,
                    "Account": {"AccountID": bank.id, "Code": bank.code},
                    "Invoice": short_invoice,
                    "HasValidationErrors": false
                });
                self.put(Collection::Payments, &pay);
                payments.push(json!({"PaymentID": pid, "Date": ms_date(pay_date), "Amount": money(amount), "Reference": reference, "CurrencyRate": number_text(&pay_rate_text), "HasAccount": false, "HasValidationErrors": false}));
                paid += amount;
                settled.push((
                    pay_date,
                    pid.clone(),
                    amount,
                    Some((bank.code, bank_amount)),
                    pay_created,
                    pid,
                ));
            }
            // Each payment clears what it settles of the invoice at the rate the
            // invoice was booked at: the running total settled, converted, less
            // what the payments before it cleared (in date order, then id), so
            // the parts clear exactly the whole.
            settled.sort_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
            let (ar, sign) = if sales {
                ("610", Decimal::ONE)
            } else {
                ("800", Decimal::NEGATIVE_ONE)
            };
            let mut before = Decimal::ZERO;
            for (on, _, amount, bank, at, source_id) in settled {
                let control = round2((before + amount) / fx) - round2(before / fx);
                before += amount;
                let Some((bank_code, bank_amount)) = bank else {
                    // A credit note's allocation moves its credit (booked at its
                    // own rate) onto the invoice: only a difference in the base
                    // currency posts, to realised gains.
                    let credit = round2(amount / fx);
                    if credit != control {
                        self.postings.push(Posting {
                            rate: Decimal::ONE,
                            created_ms: at,
                            date_ms: on,
                            source_id,
                            source_type: if sales {
                                "ACCRECCREDIT"
                            } else {
                                "ACCPAYCREDIT"
                            },
                            reference: number.clone(),
                            lines: vec![
                                (ar, sign * credit, Decimal::ZERO),
                                (ar, -sign * control, Decimal::ZERO),
                                ("499", -sign * (credit - control), Decimal::ZERO),
                            ],
                        });
                    }
                    continue;
                };
                let mut lines = vec![
                    (bank_code, sign * bank_amount, Decimal::ZERO),
                    (ar, -sign * control, Decimal::ZERO),
                ];
                if bank_amount != control {
                    lines.push(("499", -sign * (bank_amount - control), Decimal::ZERO));
                }
                self.postings.push(Posting {
                    rate: Decimal::ONE,
                    created_ms: at,
                    date_ms: on,
                    source_id,
                    source_type: if sales {
                        "ACCRECPAYMENT"
                    } else {
                        "ACCPAYPAYMENT"
                    },
                    reference: number.clone(),
                    lines,
                });
            }
            // A payment entered by mistake and deleted: served with Status DELETED,
            // not counted on the invoice, its journal reversed.
            if !paid.is_zero() && self.chance(10) {
                let amount = round2(total * Decimal::new(self.rng.random_range(5..50), 2));
                let pay_date = (date + day_ms(self.rng.random_range(0..30))).min(day_ms(end_day));
                let created_at = self.after(pay_date);
                let deleted_at = self.after(created_at);
                updated = updated.max(deleted_at);
                let pid = self.uuid();
                let bank = self.account("090");
                self.put(
                    Collection::Payments,
                    &json!({
                        "PaymentID": pid,
                        "Date": ms_date(pay_date),
                        "BankAmount": money(amount),
                        "Amount": money(amount),
                        "Reference": "Entered twice",
                        "CurrencyRate": number_text(&rate),
                        "PaymentType": if sales { "ACCRECPAYMENT" } else { "ACCPAYPAYMENT" },
                        "Status": "DELETED",
                        "UpdatedDateUTC": ms_date(deleted_at),
                        "HasAccount": true,
                        "IsReconciled": false,
                        "Account": {"AccountID": bank.id, "Code": bank.code},
                        "Invoice": short_invoice,
                        "HasValidationErrors": false
                    }),
                );
                let (ar, sign) = if sales {
                    ("610", Decimal::ONE)
                } else {
                    ("800", Decimal::NEGATIVE_ONE)
                };
                let source_type = if sales {
                    "ACCRECPAYMENT"
                } else {
                    "ACCPAYPAYMENT"
                };
                for (at, s) in [(created_at, sign), (deleted_at, -sign)] {
                    self.postings.push(Posting {
                        rate: Decimal::ONE,
                        created_ms: at,
                        date_ms: pay_date,
                        source_id: pid.clone(),
                        source_type,
                        reference: number.clone(),
                        lines: vec![
                            (bank.code, s * amount, Decimal::ZERO),
                            (ar, -s * amount, Decimal::ZERO),
                        ],
                    });
                }
            }
            let due_amount = total - credited - paid;
            if status == "PAID" && !due_amount.is_zero() {
                status = "AUTHORISED";
            }
            if status == "AUTHORISED" && due_amount.is_zero() {
                status = "PAID";
            }
            let voided = status == "VOIDED" || status == "DELETED";
            let mut inv = json!({
                "Type": kind,
                "InvoiceID": id,
                "InvoiceNumber": number,
                "Reference": if sales { format!("Job {}", i + 1) } else { String::new() },
                "Payments": payments,
                "CreditNotes": credit_notes,
                "Prepayments": [],
                "Overpayments": [],
                "AmountDue": money(if voided { Decimal::ZERO } else { due_amount }),
                "AmountPaid": money(paid),
                "AmountCredited": money(credited),
                "CurrencyRate": number_text(&rate),
                "IsDiscounted": false,
                "HasAttachments": crate::attachments::has_files(Collection::Invoices, kind, &id),
                "HasErrors": false,
                "Contact": contact.short(),
                "Date": ms_date(date),
                "DueDate": ms_date(due),
                "Status": status,
                "LineAmountTypes": "Exclusive",
                "LineItems": lines,
                "SubTotal": money(sub),
                "TotalTax": money(tax),
                "Total": money(total),
                "UpdatedDateUTC": ms_date(updated),
                "CurrencyCode": currency,
                "SentToContact": sales && status != "DRAFT" && self.chance(70)
            });
            // Paid in full on the last of its payments and credits, which
            // need not be the last one made here.
            if status == "PAID" {
                if let Some(d) = crate::wire::last_settled_ms(&inv) {
                    inv["FullyPaidOnDate"] = ms_date(d);
                }
            }
            // Seen in the wild: voided documents without dates, and the epoch.
            if voided && self.chance(50) {
                if let Some(o) = inv.as_object_mut() {
                    o.remove("DueDate");
                }
            } else if voided {
                inv["DueDate"] = json!("/Date(0+0000)/");
            }
            self.put(Collection::Invoices, &inv);
            if status == "AUTHORISED" || status == "PAID" || status == "VOIDED" {
                let (ar, sign) = if sales {
                    ("610", Decimal::ONE)
                } else {
                    ("800", Decimal::NEGATIVE_ONE)
                };
                let mut lines: Vec<(&'static str, Decimal, Decimal)> =
                    vec![(ar, sign * total, Decimal::ZERO)];
                lines.extend(
                    post.iter()
                        .map(|(code, net, t)| (*code, -sign * *net, -sign * *t)),
                );
                self.postings.push(Posting {
                    rate: fx,
                    created_ms: created,
                    date_ms: date,
                    source_id: id.clone(),
                    source_type: kind,
                    reference: number.clone(),
                    lines: lines.clone(),
                });
                if status == "VOIDED" {
                    // Voiding posts a reversing journal.
                    let reversed = lines.iter().map(|(c, n, t)| (*c, -*n, -*t)).collect();
                    self.postings.push(Posting {
                        rate: fx,
                        created_ms: updated,
                        date_ms: date,
                        source_id: id,
                        source_type: kind,
                        reference: number,
                        lines: reversed,
                    });
                }
            }
        }
    }

    /// Credit notes not (yet) allocated, and voided ones.
    fn open_credit_notes(&mut self) {
        for k in 0..(self.c.credit_notes / 4).max(4) {
            let sales = k % 3 != 2;
            let voided = k % 4 == 3;
            let contact = self.contact();
            let date = self.day();
            let created = self.after(date);
            let (lines, sub, tax, post) = self.lines(sales, 1);
            let total = sub + tax;
            let id = self.uuid();
            let kind = if sales {
                "ACCRECCREDIT"
            } else {
                "ACCPAYCREDIT"
            };
            self.put(
                Collection::CreditNotes,
                &json!({
                    "Type": kind,
                    "Contact": contact.short(),
                    "Date": ms_date(date),
                    "Status": if voided { "VOIDED" } else { "AUTHORISED" },
                    "LineAmountTypes": "Exclusive",
                    "LineItems": lines,
                    "SubTotal": money(sub),
                    "TotalTax": money(tax),
                    "Total": money(total),
                    "UpdatedDateUTC": ms_date(created),
                    "CurrencyCode": self.p.currency,
                    "CurrencyRate": number_text("1.000000"),
                    "CreditNoteID": id,
                    "CreditNoteNumber": format!("CN-O{:04}", k + 1),
                    "SentToContact": false,
                    "RemainingCredit": money(if voided { Decimal::ZERO } else { total }),
                    "Allocations": [],
                    "Payments": [],
                    "HasAttachments": crate::attachments::has_files(Collection::CreditNotes, kind, &id),
                    "HasErrors": false
                }),
            );
            if !voided {
                let (ar, s) = if sales {
                    ("610", Decimal::ONE)
                } else {
                    ("800", Decimal::NEGATIVE_ONE)
                };
                let mut lines = vec![(ar, -s * total, Decimal::ZERO)];
                lines.extend(post.iter().map(|(c, n, t)| (*c, s * *n, s * *t)));
                self.postings.push(Posting {
                    rate: Decimal::ONE,
                    created_ms: created,
                    date_ms: date,
                    source_id: id,
                    source_type: kind,
                    reference: contact.name.clone(),
                    lines,
                });
            }
        }
    }

    fn bank_transactions(&mut self) {
        for i in 0..self.c.bank_transactions {
            let receive = self.chance(45);
            let contact = self.contact();
            let date = self.day();
            let n = if self.chance(80) { 1 } else { 2 };
            let (lines, sub, tax, post) = self.line_specs(receive, n);
            let total = sub + tax;
            let id = self.uuid();
            let code = if self.chance(85) { "090" } else { "091" };
            let bank = self.account(code);
            let updated = self.after(date);
            let status = if self.chance(4) {
                "DELETED"
            } else {
                "AUTHORISED"
            };
            let kind = if receive { "RECEIVE" } else { "SPEND" };
            let reconciled = self.chance(60);
            // Written as text directly: the Large books hold a million of these.
            let mut o = JsonText::default();
            o.str("BankTransactionID", &id);
            o.str("Type", kind);
            o.raw("Contact", &contact.short_text());
            let mut l = String::from("[");
            for (k, line) in lines.iter().enumerate() {
                if k > 0 {
                    l.push(',');
                }
                l.push_str(&line.text());
            }
            l.push(']');
            o.raw("LineItems", &l);
            o.raw("BankAccount", &bank.short_text());
            o.raw("IsReconciled", if reconciled { "true" } else { "false" });
            o.str("Date", &format!("/Date({date}+0000)/"));
            o.str("Reference", &format!("Ref {}", i + 1));
            o.str("CurrencyCode", self.p.currency);
            o.raw("CurrencyRate", "1.000000");
            o.str("Status", status);
            o.str("LineAmountTypes", "Exclusive");
            o.raw("SubTotal", &sub.to_string());
            o.raw("TotalTax", &tax.to_string());
            o.raw("Total", &total.to_string());
            o.str("UpdatedDateUTC", &format!("/Date({updated}+0000)/"));
            o.raw(
                "HasAttachments",
                if crate::attachments::has_files(Collection::BankTransactions, kind, &id) {
                    "true"
                } else {
                    "false"
                },
            );
            self.books.put_record(
                Collection::BankTransactions,
                Record {
                    id: id.clone(),
                    updated_ms: Some(updated),
                    number: None,
                    json: o.finish().into(),
                },
            );
            if status == "AUTHORISED" && i < self.c.journaled_bank_transactions {
                let sign = if receive {
                    Decimal::ONE
                } else {
                    Decimal::NEGATIVE_ONE
                };
                let mut lines = vec![(bank.code, sign * total, Decimal::ZERO)];
                lines.extend(post.iter().map(|(c, n, t)| (*c, -sign * *n, -sign * *t)));
                self.postings.push(Posting {
                    rate: Decimal::ONE,
                    created_ms: updated,
                    date_ms: date,
                    source_id: id,
                    source_type: if receive { "CASHREC" } else { "CASHPAID" },
                    reference: format!("Ref {}", i + 1),
                    lines,
                });
            }
        }
    }

    fn transfers(&mut self) {
        let from = self.account("090");
        let to = self.account("091");
        for _ in 0..self.c.others {
            let id = self.uuid();
            let (from_bt, to_bt) = (self.uuid(), self.uuid());
            let date = self.day();
            let created = self.after(date);
            let amount = Decimal::new(self.rng.random_range(10_000..500_000), 2);
            let (from_rec, to_rec) = (self.chance(70), self.chance(70));
            self.put(
                Collection::BankTransfers,
                &json!({
                    "BankTransferID": id,
                    "FromBankAccount": from.short(),
                    "ToBankAccount": to.short(),
                    "Amount": money(amount),
                    "Date": ms_date(date),
                    "CurrencyRate": number_text("1.000000"),
                    "FromBankTransactionID": from_bt,
                    "ToBankTransactionID": to_bt,
                    "FromIsReconciled": from_rec,
                    "ToIsReconciled": to_rec,
                    "Reference": "Transfer to savings",
                    "HasAttachments": false,
                    "CreatedDateUTC": ms_date(created)
                }),
            );
            for (bt_id, kind, acct, rec) in [
                (from_bt, "SPEND-TRANSFER", &from, from_rec),
                (to_bt, "RECEIVE-TRANSFER", &to, to_rec),
            ] {
                self.books.put(
                    Collection::BankTransactions,
                    &json!({
                        "BankTransactionID": bt_id,
                        "Type": kind,
                        "Contact": {"ContactID": "00000000-0000-0000-0000-000000000000", "Name": ""},
                        "LineItems": [],
                        "BankAccount": acct.short(),
                        "IsReconciled": rec,
                        "Date": ms_date(date),
                        "CurrencyCode": self.p.currency,
                        "CurrencyRate": number_text("1.000000"),
                        "Status": "AUTHORISED",
                        "LineAmountTypes": "NoTax",
                        "SubTotal": money(amount),
                        "TotalTax": money(Decimal::ZERO),
                        "Total": money(amount),
                        "UpdatedDateUTC": ms_date(created),
                        "HasAttachments": false
                    }),
                );
            }
            self.postings.push(Posting {
                rate: Decimal::ONE,
                created_ms: created,
                date_ms: date,
                source_id: id,
                source_type: "TRANSFER",
                reference: "Transfer to savings".into(),
                lines: vec![
                    (from.code, -amount, Decimal::ZERO),
                    (to.code, amount, Decimal::ZERO),
                ],
            });
        }
    }

    fn over_and_prepayments(&mut self) {
        for k in 0..self.c.others {
            let over = k % 2 == 0;
            let contact = self.contact();
            let date = self.day();
            let created = self.after(date);
            let id = self.uuid();
            let bt_id = self.uuid();
            let bank = self.account("090");
            let (lines, sub, tax, _) = if over {
                let amount = Decimal::new(self.rng.random_range(1_000..90_000), 2);
                let lid = self.uuid();
                (
                    vec![
                        json!({"LineItemID": lid, "Description": "Overpayment", "Quantity": 1, "UnitAmount": money(amount), "AccountCode": "610", "TaxType": "NONE", "TaxAmount": 0.00, "LineAmount": money(amount), "Tracking": []}),
                    ],
                    amount,
                    Decimal::ZERO,
                    Vec::new(),
                )
            } else {
                self.lines(true, 1)
            };
            let total = sub + tax;
            // Half are used up on a customer's open invoice in the base currency
            // that still owes at least as much; the invoice then owes that less.
            let target = if self.chance(50) {
                self.open_sales_invoice(total)
            } else {
                None
            };
            let (status, remaining, allocations, allocated_on) = if let Some(inv) = target {
                let short = json!({"InvoiceID": inv["InvoiceID"], "InvoiceNumber": inv["InvoiceNumber"], "Type": inv["Type"], "Contact": inv["Contact"]});
                let aid = self.uuid();
                let on = inv["Date"]
                    .as_str()
                    .and_then(crate::wire::parse_ms_date)
                    .map_or(date, |d| d.max(date));
                self.apply_credit(
                    inv,
                    if over { "Overpayments" } else { "Prepayments" },
                    &id,
                    total,
                    on,
                    created,
                );
                (
                    "PAID",
                    Decimal::ZERO,
                    vec![
                        json!({"AllocationID": aid, "Amount": money(total), "Date": ms_date(on), "Invoice": short}),
                    ],
                    Some(on),
                )
            } else {
                ("AUTHORISED", total, Vec::new(), None)
            };
            let kind = if over {
                "RECEIVE-OVERPAYMENT"
            } else {
                "RECEIVE-PREPAYMENT"
            };
            let mut rec = json!({
                "Type": kind,
                "Contact": contact.short(),
                "Date": ms_date(date),
                "Status": status,
                "LineAmountTypes": if over { "NoTax" } else { "Exclusive" },
                "LineItems": lines,
                "SubTotal": money(sub),
                "TotalTax": money(tax),
                "Total": money(total),
                "UpdatedDateUTC": ms_date(created),
                "CurrencyCode": self.p.currency,
                "CurrencyRate": number_text("1.000000"),
                "RemainingCredit": money(remaining),
                "Allocations": allocations,
                "Payments": [],
                "HasAttachments": false
            });
            if over {
                rec["OverpaymentID"] = json!(id);
                self.put(Collection::Overpayments, &rec);
            } else {
                rec["PrepaymentID"] = json!(id);
                self.put(Collection::Prepayments, &rec);
            }
            let mut bt = json!({
                "BankTransactionID": bt_id,
                "Type": kind,
                "Contact": contact.short(),
                "LineItems": rec["LineItems"],
                "BankAccount": bank.short(),
                "IsReconciled": true,
                "Date": ms_date(date),
                "CurrencyCode": self.p.currency,
                "Status": "AUTHORISED",
                "LineAmountTypes": rec["LineAmountTypes"],
                "SubTotal": money(sub),
                "TotalTax": money(tax),
                "Total": money(total),
                "UpdatedDateUTC": ms_date(created),
                "HasAttachments": false
            });
            bt[if over {
                "OverpaymentID"
            } else {
                "PrepaymentID"
            }] = json!(id);
            self.put(Collection::BankTransactions, &bt);
            self.postings.push(Posting {
                rate: Decimal::ONE,
                created_ms: created,
                date_ms: date,
                source_id: id.clone(),
                source_type: if over { "CASHREC" } else { "ARPREPAYMENT" },
                reference: kind.into(),
                lines: vec![
                    (bank.code, total, Decimal::ZERO),
                    (if over { "610" } else { "200" }, -sub, -tax),
                ],
            });
            // Using up a prepayment reverses its lines into the receivable it
            // settles (an overpayment already sits in the receivable).
            if let (Some(on), false) = (allocated_on, over) {
                self.postings.push(Posting {
                    rate: Decimal::ONE,
                    created_ms: created,
                    date_ms: on,
                    source_id: id.clone(),
                    source_type: "ARPREPAYMENT",
                    reference: kind.into(),
                    lines: vec![("200", sub, tax), ("610", -total, Decimal::ZERO)],
                });
            }
        }
    }

    /// The first customer invoice in the base currency that is authorised and
    /// still owes at least `amount`.
    fn open_sales_invoice(&self, amount: Decimal) -> Option<Value> {
        self.books
            .table(Collection::Invoices)
            .records()
            .iter()
            .map(|r| r.value())
            .find(|inv| {
                let due = inv["AmountDue"]
                    .to_string()
                    .parse::<Decimal>()
                    .unwrap_or_default();
                inv["Type"] == "ACCREC"
                    && inv["Status"] == "AUTHORISED"
                    && inv["CurrencyCode"] == self.p.currency
                    && due >= amount
            })
    }

    /// Applies an overpayment or prepayment of `amount` to an invoice, as Xero
    /// shows it on the invoice: credited, owing less, paid when nothing is left.
    fn apply_credit(
        &mut self,
        mut inv: Value,
        list: &str,
        credit_id: &str,
        amount: Decimal,
        on: i64,
        at: i64,
    ) {
        let d = |v: &Value| v.to_string().parse::<Decimal>().unwrap_or_default();
        let due = d(&inv["AmountDue"]) - amount;
        inv["AmountDue"] = money(due);
        inv["AmountCredited"] = money(d(&inv["AmountCredited"]) + amount);
        let id_key = if list == "Overpayments" {
            "OverpaymentID"
        } else {
            "PrepaymentID"
        };
        if let Some(items) = inv[list].as_array_mut() {
            items.push(json!({id_key: credit_id, "Date": ms_date(on), "Total": money(amount), "AppliedAmount": money(amount)}));
        }
        if due.is_zero() {
            inv["Status"] = json!("PAID");
            inv["FullyPaidOnDate"] = ms_date(crate::wire::last_settled_ms(&inv).unwrap_or(on));
        }
        let updated = inv["UpdatedDateUTC"]
            .as_str()
            .and_then(crate::wire::parse_ms_date)
            .map_or(at, |u| u.max(at));
        inv["UpdatedDateUTC"] = ms_date(updated);
        self.put(Collection::Invoices, &inv);
    }

    fn manual_journals(&mut self) {
        for k in 0..self.c.manual_journals {
            let id = self.uuid();
            // One journal from before 1970: negative milliseconds are real.
            let date = if k == 0 { -7 * 86_400_000 } else { self.day() };
            let created =
                self.after(date.max(self.frame.end_ms - self.frame.span_days * 86_400_000));
            let amount = Decimal::new(self.rng.random_range(5_000..2_000_000), 2);
            // The journal dated before 1970 is a draft: posted, it would be
            // an entry made decades after its date, which clean books do not hold.
            let status = match k % 6 {
                _ if k == 0 => "DRAFT",
                0..=3 => "POSTED",
                4 => "DRAFT",
                _ => "VOIDED",
            };
            let (debit, credit) = if k % 2 == 0 {
                ("429", "970")
            } else {
                ("960", "970")
            };
            self.put(
                Collection::ManualJournals,
                &json!({
                    "ManualJournalID": id,
                    "Narration": format!("Owner's adjustment №{}", k + 1),
                    "JournalLines": [
                        {"LineAmount": money(amount), "AccountCode": debit, "Description": "Adjustment", "TaxType": "NONE", "IsBlank": false, "Tracking": []},
                        {"LineAmount": money(-amount), "AccountCode": credit, "Description": "Adjustment", "TaxType": "NONE", "IsBlank": false, "Tracking": []}
                    ],
                    "Date": ms_date(date),
                    "LineAmountTypes": "NoTax",
                    "Status": status,
                    // Every fifth is left off cash-basis reports, as an owner
                    // may choose for an accrual adjustment.
                    "ShowOnCashBasisReports": k % 5 != 2,
                    "HasAttachments": false,
                    "UpdatedDateUTC": ms_date(created)
                }),
            );
            if status == "POSTED" {
                self.postings.push(Posting {
                    rate: Decimal::ONE,
                    created_ms: created,
                    date_ms: date,
                    source_id: id,
                    source_type: "MANJOURNAL",
                    reference: String::new(),
                    lines: vec![
                        (debit, amount, Decimal::ZERO),
                        (credit, -amount, Decimal::ZERO),
                    ],
                });
            }
        }
    }

    fn documents(&mut self) {
        for k in 0..self.c.others {
            let contact = self.contact();
            let date = self.day();
            let created = self.after(date);
            let n_lines = self.rng.random_range(1..4);
            let (lines, sub, tax, _) = self.lines(false, n_lines);
            let id = self.uuid();
            let status = [
                "DRAFT",
                "SUBMITTED",
                "AUTHORISED",
                "BILLED",
                "DELETED",
                "AUTHORISED",
            ][k % 6];
            self.put(
                Collection::PurchaseOrders,
                &json!({
                    "PurchaseOrderID": id,
                    "PurchaseOrderNumber": format!("PO-{:04}", k + 1),
                    "Contact": contact.short(),
                    "Date": ms_date(date),
                    "DeliveryDate": ms_date(date + day_ms(14)),
                    "LineAmountTypes": "Exclusive",
                    "LineItems": lines,
                    "Status": status,
                    "SubTotal": money(sub),
                    "TotalTax": money(tax),
                    "Total": money(sub + tax),
                    "CurrencyCode": self.p.currency,
                    "CurrencyRate": number_text("1.000000"),
                    "SentToContact": status != "DRAFT",
                    "HasAttachments": false,
                    "UpdatedDateUTC": ms_date(created)
                }),
            );
            let contact = self.contact();
            let date = self.day();
            let created = self.after(date);
            let n_lines = self.rng.random_range(1..4);
            let (lines, sub, tax, _) = self.lines(true, n_lines);
            let id = self.uuid();
            let status = [
                "DRAFT", "SENT", "ACCEPTED", "DECLINED", "INVOICED", "DELETED",
            ][k % 6];
            self.put(
                Collection::Quotes,
                &json!({
                    "QuoteID": id,
                    "QuoteNumber": format!("QU-{:04}", k + 1),
                    "Reference": format!("Quote for {}", contact.name),
                    "Contact": contact.short(),
                    "Date": ms_date(date),
                    "ExpiryDate": ms_date(date + day_ms(30)),
                    "Status": status,
                    "LineAmountTypes": "EXCLUSIVE",
                    "LineItems": lines,
                    "SubTotal": money(sub),
                    "TotalTax": money(tax),
                    "Total": money(sub + tax),
                    "CurrencyCode": self.p.currency,
                    "CurrencyRate": number_text("1.000000"),
                    "Title": "Quote",
                    "Summary": "Parts and labour",
                    "UpdatedDateUTC": ms_date(created)
                }),
            );
            if k < 4 {
                let contact = self.contact();
                let (lines, sub, tax, _) = self.lines(true, 1);
                let id = self.uuid();
                let start = self.day();
                self.put(
                    Collection::RepeatingInvoices,
                    &json!({
                        "RepeatingInvoiceID": id,
                        "ID": id,
                        "Type": "ACCREC",
                        "Contact": contact.short(),
                        "Schedule": {"Period": 1, "Unit": if k % 2 == 0 { "MONTHLY" } else { "WEEKLY" }, "DueDate": 20, "DueDateType": "OFFOLLOWINGMONTH", "StartDate": ms_date(start), "NextScheduledDate": ms_date(day_ms(self.frame.end_ms.div_euclid(86_400_000) + 7))},
                        "LineItems": lines,
                        "LineAmountTypes": "Exclusive",
                        "Reference": "Monthly maintenance",
                        "Status": if k == 3 { "DRAFT" } else { "AUTHORISED" },
                        "SubTotal": money(sub),
                        "TotalTax": money(tax),
                        "Total": money(sub + tax),
                        "CurrencyCode": self.p.currency,
                        "HasAttachments": false
                    }),
                );
            }
        }
    }

    /// The system accounts Xero posts to by itself when a foreign-currency
    /// document is converted or paid. Made last, so that the rest of the books
    /// are what the same seed always gave.
    fn system_accounts(&mut self) {
        for (code, name, kind, class, system) in [
            (
                "499",
                "Realised Currency Gains",
                "OVERHEADS",
                "EXPENSE",
                "REALISEDCURRENCYGAIN",
            ),
            ("860", "Rounding", "CURRLIAB", "LIABILITY", "ROUNDING"),
        ] {
            let id = self.uuid();
            let updated = self.after(self.frame.end_ms - self.frame.span_days * 86_400_000);
            self.put(
                Collection::Accounts,
                &json!({
                    "AccountID": id,
                    "Code": code,
                    "Name": name,
                    "Status": "ACTIVE",
                    "Type": kind,
                    "TaxType": "NONE",
                    "Class": class,
                    "SystemAccount": system,
                    "EnablePaymentsToAccount": false,
                    "ShowInExpenseClaims": false,
                    "ReportingCode": format!("{}.{}", &class[..3], code),
                    "ReportingCodeName": name,
                    "HasAttachments": false,
                    "UpdatedDateUTC": ms_date(updated),
                    "AddToWatchlist": false
                }),
            );
            self.accounts.push(AccountRef {
                id,
                code,
                name,
                kind,
            });
        }
    }

    /// Xero Payroll's pay runs, one at each month-end of the books: wages
    /// to an expense account no document uses, owed in wages payable
    /// (`SystemAccount` `WAGEPAYABLES`). They reach the
    /// general ledger (Journals, `INTEGRATEDPAYROLLPE`, and so the reports)
    /// but no endpoint of the Accounting API shows them: the kind of posting
    /// a ledger rebuilt from documents cannot see, and explains from Xero's
    /// trial balances. Made after everything else, so the rest of the books
    /// are what the same seed always gave.
    fn pay_runs(&mut self) {
        for (code, name, kind, system) in [
            // Xero's OpenAPI spec has no `WAGESEXPENSE` type, so the simulator
            // keeps to one it has.
            ("477", "Wages and Salaries", "OVERHEADS", None),
            (
                "814",
                "Wages Payable - Payroll",
                "CURRLIAB",
                Some("WAGEPAYABLES"),
            ),
        ] {
            let id = self.uuid();
            let updated = self.after(self.frame.end_ms - self.frame.span_days * 86_400_000);
            let class = if kind == "CURRLIAB" {
                "LIABILITY"
            } else {
                "EXPENSE"
            };
            let mut a = json!({
                "AccountID": id,
                "Code": code,
                "Name": name,
                "Status": "ACTIVE",
                "Type": kind,
                "TaxType": "NONE",
                "Class": class,
                "EnablePaymentsToAccount": false,
                "ShowInExpenseClaims": false,
                "ReportingCode": format!("{}.{}", &class[..3], code),
                "ReportingCodeName": name,
                "HasAttachments": false,
                "UpdatedDateUTC": ms_date(updated),
                "AddToWatchlist": false
            });
            if let Some(system) = system {
                a["SystemAccount"] = json!(system);
            }
            self.put(Collection::Accounts, &a);
            self.accounts.push(AccountRef {
                id,
                code,
                name,
                kind,
            });
        }
        let first = self.frame.end_ms - self.frame.span_days * 86_400_000;
        let Some(mut month_end) = chrono::DateTime::from_timestamp_millis(first)
            .map(|d| d.date_naive())
            .and_then(|d| d.with_day(1))
            .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
            .and_then(|d| d.pred_opt())
        else {
            return;
        };
        let mut run = 0;
        loop {
            let date = month_end
                .and_time(chrono::NaiveTime::MIN)
                .and_utc()
                .timestamp_millis();
            if date > self.frame.end_ms {
                break;
            }
            run += 1;
            let id = self.uuid();
            let wages = Decimal::new(self.rng.random_range(300_000..900_000), 2);
            let created = self.after(date);
            self.postings.push(Posting {
                rate: Decimal::ONE,
                created_ms: created,
                date_ms: date,
                source_id: id,
                source_type: "INTEGRATEDPAYROLLPE",
                reference: format!("Pay run {run}"),
                lines: vec![
                    ("477", wages, Decimal::ZERO),
                    ("814", -wages, Decimal::ZERO),
                ],
            });
            let Some(next) = month_end
                .succ_opt()
                .and_then(|d| d.checked_add_months(chrono::Months::new(1)))
                .and_then(|d| d.pred_opt())
            else {
                break;
            };
            month_end = next;
        }
    }

    /// Numbers every posting into Journals, oldest first.
    /// Batch payments: a few times a month, 2 to 6 bills paid together from
    /// one bank account (`PAYBATCH`), and now and then customers' payments
    /// banked together (`RECBATCH`). Xero makes a batch's payments on its
    /// date, so the payments chosen (same month, bank account and kind, in
    /// the base currency, each its invoice's only payment) move to the batch's date,
    /// the latest of theirs, as do their journals and their invoices' lists;
    /// each then names its batch (`BatchPaymentID` and `BatchPayment`). The
    /// batch itself posts nothing: its payments already do.
    fn batch_payments(&mut self) {
        // (month, bank code, payment type) -> the payments' JSON, in date order.
        type Key = (i64, String, String);
        let mut groups: std::collections::BTreeMap<Key, Vec<Value>> = Default::default();
        // Only an invoice's one payment joins a batch: an invoice paid in
        // parts keeps its dates.
        let mut per_invoice: std::collections::HashMap<String, usize> = Default::default();
        for r in self.books.table(Collection::Payments).records() {
            let p = r.value();
            if let Some(inv) = p["Invoice"]["InvoiceID"].as_str() {
                *per_invoice.entry(inv.to_owned()).or_default() += 1;
            }
        }
        for r in self.books.table(Collection::Payments).records() {
            let p = r.value();
            let Some(date) = p["Date"].as_str().and_then(crate::wire::parse_ms_date) else {
                continue;
            };
            let invoice_ccy = p["Invoice"]["CurrencyCode"].as_str();
            let kind = p["PaymentType"].as_str().unwrap_or_default();
            if p["Status"] != "AUTHORISED"
                || invoice_ccy != Some(self.p.currency)
                || !matches!(kind, "ACCPAYPAYMENT" | "ACCRECPAYMENT")
                || p.get("BatchPaymentID").is_some()
                || p["Invoice"]["InvoiceID"]
                    .as_str()
                    .is_none_or(|i| per_invoice.get(i) != Some(&1))
            {
                continue;
            }
            let on = chrono::DateTime::from_timestamp_millis(date).unwrap_or_default();
            let month = i64::from(on.year()) * 12 + i64::from(on.month0());
            let code = p["Account"]["Code"].as_str().unwrap_or_default().to_owned();
            groups
                .entry((month, code, kind.to_owned()))
                .or_default()
                .push(p);
        }
        let d = |v: &Value| v.to_string().parse::<Decimal>().unwrap_or_default();
        let mut n = 0;
        for ((_, code, kind), mut members) in groups {
            let bills = kind == "ACCPAYPAYMENT";
            let mut batches = if bills { 3 } else { 1 };
            members.sort_by_key(|p| {
                let on = p["Date"].as_str().and_then(crate::wire::parse_ms_date);
                (on, p["PaymentID"].as_str().map(str::to_owned))
            });
            while batches > 0 && members.len() >= 2 {
                batches -= 1;
                let want = self.batch_rng.random_range(2..=6usize);
                let mut chosen: Vec<Value> = Vec::new();
                let mut rest = Vec::new();
                for p in members {
                    let dup = chosen
                        .iter()
                        .any(|c| c["Invoice"]["InvoiceID"] == p["Invoice"]["InvoiceID"]);
                    if chosen.len() < want && !dup {
                        chosen.push(p);
                    } else {
                        rest.push(p);
                    }
                }
                members = rest;
                if chosen.len() < 2 {
                    break;
                }
                n += 1;
                self.batch(n, &code, bills, chosen, d, "AUTHORISED");
            }
        }
        self.deleted_batch(n + 1, d);
    }

    /// One batch entered by mistake and deleted, as owners do: Xero keeps it,
    /// `DELETED`, and its payments, deleted with it, still name it. It is
    /// made of payments already deleted (each "Entered twice", its journal
    /// posted and reversed), so no invoice's figures move.
    fn deleted_batch(&mut self, n: usize, d: impl Fn(&Value) -> Decimal) {
        type Key = (String, String);
        let mut groups: std::collections::BTreeMap<Key, Vec<Value>> = Default::default();
        for r in self.books.table(Collection::Payments).records() {
            let p = r.value();
            let kind = p["PaymentType"].as_str().unwrap_or_default().to_owned();
            if p["Status"] != "DELETED"
                || p["Invoice"]["CurrencyCode"].as_str() != Some(self.p.currency)
                || !matches!(kind.as_str(), "ACCPAYPAYMENT" | "ACCRECPAYMENT")
                || p.get("BatchPaymentID").is_some()
            {
                continue;
            }
            let code = p["Account"]["Code"].as_str().unwrap_or_default().to_owned();
            groups.entry((code, kind)).or_default().push(p);
        }
        // The largest group (the first of the largest), up to four payments
        // of different invoices, in date order.
        let Some(((code, kind), mut members)) =
            groups.into_iter().rev().max_by_key(|(_, m)| m.len())
        else {
            return;
        };
        members.sort_by_key(|p| {
            let on = p["Date"].as_str().and_then(crate::wire::parse_ms_date);
            (on, p["PaymentID"].as_str().map(str::to_owned))
        });
        let mut chosen: Vec<Value> = Vec::new();
        for p in members {
            let dup = chosen
                .iter()
                .any(|c| c["Invoice"]["InvoiceID"] == p["Invoice"]["InvoiceID"]);
            if chosen.len() < 4 && !dup {
                chosen.push(p);
            }
        }
        if chosen.len() >= 2 {
            self.batch(n, &code, kind == "ACCPAYPAYMENT", chosen, d, "DELETED");
        }
    }

    /// One batch of `members` (payments' JSON) from the bank account `code`.
    fn batch(
        &mut self,
        n: usize,
        code: &str,
        bills: bool,
        members: Vec<Value>,
        d: impl Fn(&Value) -> Decimal,
        status: &str,
    ) {
        let id = uuid_from(&mut self.batch_rng);
        let ms = |v: &Value| v.as_str().and_then(crate::wire::parse_ms_date);
        let on = members
            .iter()
            .filter_map(|p| ms(&p["Date"]))
            .max()
            .unwrap_or(0);
        let touched = members
            .iter()
            .filter_map(|p| ms(&p["UpdatedDateUTC"]))
            .max()
            .unwrap_or(on);
        let at = (on + self.batch_rng.random_range(3_600_000..2 * 86_400_000))
            .min(self.frame.end_ms + 86_399_000)
            .max(touched);
        // A deleted batch was never reconciled (the draw is made either way,
        // so the batches before it stay as they were).
        let reconciled = self.batch_rng.random_range(0..100) < 70 && status == "AUTHORISED";
        let bank = self.account(code);
        let total: Decimal = members.iter().map(|p| d(&p["Amount"])).sum();
        let batch_type = if bills { "PAYBATCH" } else { "RECBATCH" };
        let date_string = chrono::DateTime::from_timestamp_millis(on)
            .map(|t| t.format("%Y-%m-%dT00:00:00").to_string())
            .unwrap_or_default();
        let short = json!({
            "Account": {"AccountID": bank.id},
            "BatchPaymentID": id,
            "Date": ms_date(on),
            "Type": batch_type,
            "Status": status,
            "TotalAmount": money(total),
            "UpdatedDateUTC": ms_date(at),
            "IsReconciled": reconciled
        });
        let mut lines = Vec::new();
        for mut p in members {
            let pid = p["PaymentID"].as_str().unwrap_or_default().to_owned();
            lines.push(json!({
                "Invoice": p["Invoice"].clone(),
                "PaymentID": pid,
                "Amount": p["Amount"].clone(),
                "BankAmount": p["BankAmount"].clone(),
                "Reference": p["Reference"].clone()
            }));
            p["Date"] = ms_date(on);
            p["UpdatedDateUTC"] = ms_date(at);
            p["IsReconciled"] = json!(reconciled);
            p["BatchPaymentID"] = json!(id);
            p["BatchPayment"] = short.clone();
            self.put(Collection::Payments, &p);
            for posting in self.postings.iter_mut().filter(|x| x.source_id == pid) {
                posting.date_ms = on;
                posting.created_ms = at;
            }
            let invoice_id = p["Invoice"]["InvoiceID"].as_str().unwrap_or_default();
            let Some(mut inv) = self
                .books
                .table(Collection::Invoices)
                .get(invoice_id)
                .map(Record::value)
            else {
                continue;
            };
            if let Some(list) = inv["Payments"].as_array_mut() {
                for entry in list.iter_mut().filter(|e| e["PaymentID"] == pid.as_str()) {
                    entry["Date"] = ms_date(on);
                }
            }
            if inv.get("FullyPaidOnDate").is_some() {
                if let Some(last) = crate::wire::last_settled_ms(&inv) {
                    inv["FullyPaidOnDate"] = ms_date(last);
                }
            }
            if ms(&inv["UpdatedDateUTC"]).is_some_and(|u| u < at) {
                inv["UpdatedDateUTC"] = ms_date(at);
            }
            self.put(Collection::Invoices, &inv);
        }
        let mut batch = json!({
            "Account": {"AccountID": bank.id, "Code": bank.code, "Name": bank.name},
            "Reference": format!("Batch {n:03}"),
            "Details": if bills { "Supplier run" } else { "Deposit" },
            "BatchPaymentID": id,
            "DateString": date_string,
            "Date": ms_date(on),
            "Payments": lines,
            "Type": batch_type,
            "Status": status,
            "TotalAmount": money(total),
            "UpdatedDateUTC": ms_date(at),
            "IsReconciled": reconciled
        });
        if bills {
            batch["Narrative"] = json!(format!("Suppliers {n:03}"));
        }
        self.put(Collection::BatchPayments, &batch);
    }

    fn journals(&mut self) {
        let mut postings = std::mem::take(&mut self.postings);
        postings.sort_by_key(|p| p.created_ms);
        let mut number = 0;
        for p in postings {
            number += 1;
            let id = self.uuid();
            let mut lines = Vec::new();
            let mut posted = p.lines;
            if p.rate != Decimal::ONE {
                // Each line converted on its own; what that leaves over of the
                // whole goes to Rounding, so the journal balances in the base currency.
                posted = posted
                    .into_iter()
                    .map(|(code, net, tax)| (code, round2(net / p.rate), round2(tax / p.rate)))
                    .collect();
                let left: Decimal = posted.iter().map(|(_, net, tax)| net + tax).sum();
                if !left.is_zero() {
                    posted.push(("860", -left, Decimal::ZERO));
                }
            }
            for (code, net, tax) in posted {
                let a = self.account(code);
                let lid = self.uuid();
                lines.push(json!({
                    "JournalLineID": lid,
                    "AccountID": a.id,
                    "AccountCode": a.code,
                    "AccountType": a.kind,
                    "AccountName": a.name,
                    "Description": "",
                    "NetAmount": money(net),
                    "GrossAmount": money(net + tax),
                    "TaxAmount": money(tax),
                    "TaxType": if tax.is_zero() { "NONE" } else { self.p.output_tax },
                    "TaxName": if tax.is_zero() { "No Tax" } else { self.p.tax_name },
                    "TrackingCategories": []
                }));
                if !tax.is_zero() {
                    let gst = self.account("820");
                    let lid = self.uuid();
                    lines.push(json!({
                        "JournalLineID": lid,
                        "AccountID": gst.id,
                        "AccountCode": gst.code,
                        "AccountType": gst.kind,
                        "AccountName": gst.name,
                        "Description": "",
                        "NetAmount": money(tax),
                        "GrossAmount": money(tax),
                        "TaxAmount": money(Decimal::ZERO),
                        "TrackingCategories": []
                    }));
                }
            }
            self.put(
                Collection::Journals,
                &json!({
                    "JournalID": id,
                    "JournalDate": ms_date(p.date_ms),
                    "JournalNumber": number,
                    "CreatedDateUTC": ms_date(p.created_ms),
                    "Reference": p.reference,
                    "SourceID": p.source_id,
                    "SourceType": p.source_type,
                    "JournalLines": lines
                }),
            );
        }
    }
}

/// One generated line item, rendered as a JSON value or straight to text.
#[derive(Debug, Clone)]
struct LineSpec {
    id: String,
    description: &'static str,
    qty: Decimal,
    unit: Decimal,
    code: &'static str,
    tax_type: &'static str,
    tax: Decimal,
    amount: Decimal,
    item_code: Option<&'static str>,
    tracking: Option<(String, String, String)>,
}

impl LineSpec {
    fn tracking_value(&self) -> Value {
        match &self.tracking {
            Some((cat, opt, name)) => {
                json!([{"TrackingCategoryID": cat, "TrackingOptionID": opt, "Name": "Region", "Option": name}])
            }
            None => json!([]),
        }
    }

    fn value(&self) -> Value {
        let mut line = json!({
            "LineItemID": self.id,
            "Description": self.description,
            "Quantity": money(self.qty),
            "UnitAmount": money(self.unit),
            "AccountCode": self.code,
            "TaxType": self.tax_type,
            "TaxAmount": money(self.tax),
            "LineAmount": money(self.amount),
            "Tracking": self.tracking_value()
        });
        if let Some(code) = self.item_code {
            line["ItemCode"] = json!(code);
        }
        line
    }

    fn text(&self) -> String {
        let mut o = JsonText::default();
        o.str("LineItemID", &self.id);
        o.str("Description", self.description);
        o.raw("Quantity", &self.qty.to_string());
        o.raw("UnitAmount", &self.unit.to_string());
        o.str("AccountCode", self.code);
        o.str("TaxType", self.tax_type);
        o.raw("TaxAmount", &self.tax.to_string());
        o.raw("LineAmount", &self.amount.to_string());
        o.raw("Tracking", &self.tracking_value().to_string());
        if let Some(code) = self.item_code {
            o.str("ItemCode", code);
        }
        o.finish()
    }
}

/// Writes a JSON object as text, field by field, with no intermediate value.
#[derive(Debug, Default)]
struct JsonText {
    buf: String,
}

impl JsonText {
    fn key(&mut self, key: &str) {
        self.buf.push(if self.buf.is_empty() { '{' } else { ',' });
        self.buf.push('"');
        self.buf.push_str(key);
        self.buf.push_str("\":");
    }

    /// A string field, escaped.
    fn str(&mut self, key: &str, value: &str) {
        self.key(key);
        self.buf.push_str(&Value::from(value).to_string());
    }

    /// A field whose value is already JSON text (numbers, booleans, objects).
    fn raw(&mut self, key: &str, json: &str) {
        self.key(key);
        self.buf.push_str(json);
    }

    fn finish(mut self) -> String {
        if self.buf.is_empty() {
            self.buf.push('{');
        }
        self.buf.push('}');
        self.buf
    }
}

fn cn_number_ref(contact: &str) -> String {
    format!("Credit for {contact}")
}

fn code_name(code: &str) -> &'static str {
    match code {
        "NZD" => "New Zealand Dollar",
        "AUD" => "Australian Dollar",
        "GBP" => "Pound Sterling",
        "USD" => "United States Dollar",
        "EUR" => "Euro",
        _ => "Currency",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_books_and_another_seed_does_not() {
        let a = generate(7, Size::Small);
        let b = generate(7, Size::Small);
        let c = generate(8, Size::Small);
        let text = |t: &Truth| {
            t.tenants
                .iter()
                .flat_map(|b| {
                    Collection::ALL
                        .into_iter()
                        .flat_map(move |c| b.table(c).records().iter().map(|r| r.json.to_string()))
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(text(&a), text(&b));
        assert_ne!(text(&a), text(&c));
    }

    #[test]
    fn tenants_differ_in_currency_and_timezone() {
        let t = generate(1, Size::Small);
        assert_eq!(t.tenants.len(), 3);
        let currencies: std::collections::BTreeSet<_> =
            t.tenants.iter().map(|b| b.base_currency.clone()).collect();
        let zones: std::collections::BTreeSet<_> =
            t.tenants.iter().map(|b| b.timezone.clone()).collect();
        assert_eq!(currencies.len(), 3);
        assert_eq!(zones.len(), 3);
    }

    #[test]
    fn invoices_balance_to_the_cent() {
        let t = generate(3, Size::Small);
        for inv in t.records(&t.tenants[0].tenant_id, Collection::Invoices) {
            let d = |k: &str| inv[k].to_string().parse::<Decimal>().unwrap();
            let lines: Decimal = inv["LineItems"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["LineAmount"].to_string().parse::<Decimal>().unwrap())
                .sum();
            assert_eq!(lines, d("SubTotal"));
            assert_eq!(d("SubTotal") + d("TotalTax"), d("Total"));
            if inv["Status"] != "VOIDED" && inv["Status"] != "DELETED" {
                assert_eq!(
                    d("Total") - d("AmountPaid") - d("AmountCredited"),
                    d("AmountDue"),
                    "{inv}"
                );
            }
        }
    }

    #[test]
    fn the_books_have_the_awkward_cases() {
        let t = generate(5, Size::Small);
        let id = &t.tenants[0].tenant_id;
        let invoices = t.records(id, Collection::Invoices);
        let statuses: std::collections::BTreeSet<_> = invoices
            .iter()
            .map(|i| i["Status"].as_str().unwrap().to_owned())
            .collect();
        for s in ["DRAFT", "AUTHORISED", "PAID", "VOIDED", "DELETED"] {
            assert!(statuses.contains(s), "no {s} invoice");
        }
        assert!(invoices
            .iter()
            .any(|i| i["Payments"].as_array().unwrap().len() == 2
                || (i["Status"] == "AUTHORISED"
                    && !i["AmountPaid"]
                        .as_number()
                        .unwrap()
                        .to_string()
                        .starts_with("0"))));
        assert!(invoices.iter().any(|i| i.get("DueDate").is_none()));
        let unit_4dp = invoices
            .iter()
            .flat_map(|i| i["LineItems"].as_array().unwrap().clone())
            .any(|l| {
                l["UnitAmount"]
                    .to_string()
                    .split('.')
                    .nth(1)
                    .is_some_and(|f| f.len() == 4)
            });
        assert!(unit_4dp);
        let credit_notes = t.records(id, Collection::CreditNotes);
        for s in ["PAID", "AUTHORISED", "VOIDED"] {
            assert!(
                credit_notes.iter().any(|c| c["Status"] == s),
                "no {s} credit note"
            );
        }
        let payments = t.records(id, Collection::Payments);
        assert!(payments.iter().any(|p| p["Status"] == "DELETED"));
        let contacts = t.records(id, Collection::Contacts);
        assert!(contacts
            .iter()
            .any(|c| !c["UpdatedDateUTC"].as_str().unwrap().contains('+')));
        let mj = t.records(id, Collection::ManualJournals);
        assert!(mj
            .iter()
            .any(|m| m["Date"].as_str().unwrap().starts_with("/Date(-")));
        let contacts = t.records(id, Collection::Contacts);
        assert!(contacts
            .iter()
            .any(|c| !c["Name"].as_str().unwrap().is_ascii()));
        let journals = t.records(id, Collection::Journals);
        let numbers: Vec<i64> = journals
            .iter()
            .map(|j| j["JournalNumber"].as_i64().unwrap())
            .collect();
        assert_eq!(numbers, (1..=numbers.len() as i64).collect::<Vec<_>>());
        for j in &journals {
            let sum: Decimal = j["JournalLines"]
                .as_array()
                .unwrap()
                .iter()
                .map(|l| l["NetAmount"].to_string().parse::<Decimal>().unwrap())
                .sum();
            assert!(sum.is_zero(), "journal does not balance: {j}");
        }
    }
}
