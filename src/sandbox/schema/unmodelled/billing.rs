//! R52: billing types that workspaces and teams return (`Customer` and its parts). The sandbox
//! bills nothing: a customer reads as an active pro subscriber with no invoices, credits or usage.
//! Values are plausible constants (guesses); no rule of Railway is decided here.

use async_graphql::{ComplexObject, ID, SimpleObject};

use super::enums::*;
use crate::sandbox::schema::connection::connection;
use crate::sandbox::schema::scalars::{
    BigInt, DateTime, SpendCommitmentFeatureId, SubscriptionPlanLimit,
};
use crate::sandbox::schema::types::Workspace;

/// Upstream `BillingPeriod`.
#[derive(SimpleObject, Default)]
pub(crate) struct BillingPeriod {
    pub end: DateTime,
    pub start: DateTime,
}

/// Upstream `Credit`.
#[derive(SimpleObject, Default)]
pub(crate) struct Credit {
    pub amount: f64,
    pub created_at: DateTime,
    pub customer_id: String,
    pub id: ID,
    pub memo: Option<String>,
    #[graphql(name = "type")]
    pub type_: CreditType,
    pub updated_at: DateTime,
}

/// Upstream `Customer`.
#[derive(SimpleObject, Default)]
#[graphql(complex)]
pub(crate) struct Customer {
    pub applied_credits: f64,
    pub billing_address: Option<CustomerAddress>,
    pub billing_email: Option<String>,
    pub billing_period: BillingPeriod,
    pub credit_balance: f64,
    pub current_usage: f64,
    pub default_payment_method: Option<PaymentMethod>,
    pub default_payment_method_id: Option<String>,
    pub has_exhausted_free_plan: bool,
    pub id: ID,
    pub invoices: Vec<CustomerInvoice>,
    pub is_prepaying: bool,
    pub is_trialing: bool,
    pub is_usage_subscriber: bool,
    pub is_withdrawing_to_credits: bool,
    pub plan_limit_override: Option<PlanLimitOverride>,
    pub remaining_usage_credit_balance: f64,
    pub spend_commitment: Option<SpendCommitment>,
    pub state: SubscriptionState,
    pub stripe_customer_id: String,
    pub subscriptions: Vec<CustomerSubscription>,
    pub supported_withdrawal_platforms: Vec<WithdrawalPlatformTypes>,
    pub tax_ids: Vec<CustomerTaxId>,
    pub trial_days_remaining: i32,
    pub usage_limit: Option<UsageLimit>,
    /// The id of the parent record (workspace, project or environment) the parent field reads.
    #[graphql(skip)]
    pub owner_id: String,
}

#[ComplexObject]
impl Customer {
    async fn credits(
        &self,
        after: Option<String>,
        before: Option<String>,
        first: Option<i32>,
        last: Option<i32>,
    ) -> CustomerCreditsConnection {
        let _ = (after, before, first, last);
        Default::default()
    }
    async fn workspace(&self) -> Workspace {
        Workspace {
            id: self.owner_id.clone(),
        }
    }
}

/// Upstream `CustomerAddress`.
#[derive(SimpleObject, Default)]
pub(crate) struct CustomerAddress {
    pub city: Option<String>,
    pub country: Option<String>,
    pub line1: Option<String>,
    pub line2: Option<String>,
    pub name: Option<String>,
    pub postal_code: Option<String>,
    pub state: Option<String>,
}

connection!(
    CustomerCreditsConnection,
    CustomerCreditsConnectionEdge,
    Credit
);
/// Upstream `CustomerInvoice`.
#[derive(SimpleObject, Default)]
pub(crate) struct CustomerInvoice {
    pub amount_due: f64,
    pub amount_paid: f64,
    #[graphql(name = "hostedURL")]
    pub hosted_url: Option<String>,
    pub invoice_id: String,
    pub items: Vec<SubscriptionItem>,
    pub last_payment_error: Option<String>,
    pub payment_intent_status: Option<String>,
    #[graphql(name = "pdfURL")]
    pub pdf_url: Option<String>,
    pub period_end: String,
    pub period_start: String,
    pub reissued_invoice_from: Option<String>,
    pub reissued_invoice_of: Option<String>,
    pub spend_commitment_prepayment: Option<bool>,
    pub status: Option<String>,
    pub subscription_id: Option<String>,
    pub subscription_status: Option<String>,
    pub total: i32,
}

/// Upstream `CustomerSubscription`.
#[derive(SimpleObject, Default)]
pub(crate) struct CustomerSubscription {
    pub billing_cycle_anchor: DateTime,
    pub cancel_at: Option<String>,
    pub cancel_at_period_end: bool,
    pub coupon_id: Option<String>,
    pub discounts: Vec<SubscriptionDiscount>,
    pub id: String,
    pub items: Vec<SubscriptionItem>,
    pub latest_invoice_id: String,
    pub next_invoice_current_total: i32,
    pub next_invoice_date: String,
    pub status: String,
}

/// Upstream `CustomerTaxId`.
#[derive(SimpleObject, Default)]
pub(crate) struct CustomerTaxId {
    pub id: String,
    #[graphql(name = "type")]
    pub type_: String,
    pub value: String,
}

/// Upstream `PaymentMethod`.
#[derive(SimpleObject, Default)]
pub(crate) struct PaymentMethod {
    pub card: Option<PaymentMethodCard>,
    pub id: String,
}

/// Upstream `PaymentMethodCard`.
#[derive(SimpleObject, Default)]
pub(crate) struct PaymentMethodCard {
    pub brand: String,
    pub country: Option<String>,
    pub last4: String,
}

/// Upstream `PlanLimitOverride`.
#[derive(SimpleObject, Default)]
pub(crate) struct PlanLimitOverride {
    pub config: SubscriptionPlanLimit,
    pub id: ID,
}

/// Upstream `SpendCommitment`.
#[derive(SimpleObject, Default)]
pub(crate) struct SpendCommitment {
    pub features: Vec<SpendCommitmentFeatureId>,
    pub id: ID,
    pub min_spend_amount_cents: i32,
}

/// Upstream `SubscriptionDiscount`.
#[derive(SimpleObject, Default)]
pub(crate) struct SubscriptionDiscount {
    pub coupon_id: String,
    pub coupon_name: String,
}

/// Upstream `SubscriptionItem`.
#[derive(SimpleObject, Default)]
pub(crate) struct SubscriptionItem {
    pub item_id: String,
    pub price_dollars: Option<f64>,
    pub price_id: String,
    pub product_id: String,
    pub quantity: Option<BigInt>,
}

/// Upstream `UsageLimit`.
#[derive(SimpleObject, Default)]
pub(crate) struct UsageLimit {
    pub agent_hard_limit_cents: Option<i32>,
    pub agent_soft_limit_cents: Option<i32>,
    pub customer_id: String,
    pub hard_limit: Option<i32>,
    pub id: ID,
    pub is_over_limit: bool,
    pub soft_limit: i32,
}
