// One schema for both backends: the SQL differs only where a backend needs it
// (see migrations/sqlite and migrations/postgres); the columns are the same.

diesel::table! {
    companies (id) {
        id -> Text,
        cvr -> Text,
        name -> Text,
        email_domain -> Text,
        created_at -> Timestamp,
        enabled -> Bool,
        sandbox -> Bool,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        email -> Text,
        password_hash -> Text,
        role -> Text,
        company_id -> Nullable<Text>,
        created_at -> Timestamp,
        enabled -> Bool,
        version -> Integer,
        cost_centers -> Nullable<Text>,
    }
}

diesel::table! {
    api_clients (id) {
        id -> Text,
        company_id -> Text,
        name -> Text,
        role -> Text,
        secret_hash -> Text,
        created_at -> Timestamp,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_links (token_hash) {
        token_hash -> Text,
        user_id -> Text,
        purpose -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    access_revocations (subject_id) {
        subject_id -> Text,
        not_before -> Timestamp,
    }
}

diesel::table! {
    plans (code) {
        code -> Text,
        name -> Text,
        monthly_price_ore -> BigInt,
        included_data_gb -> Integer,
        free_data_sharing_cards -> Integer,
        data_sharing_card_price_ore -> BigInt,
        setup_fee_ore -> BigInt,
        sort_order -> Integer,
    }
}

diesel::table! {
    mobile_packages (code) {
        code -> Text,
        name -> Text,
        data_gb -> Integer,
        monthly_price_ore -> BigInt,
        sort_order -> Integer,
    }
}

diesel::table! {
    numbers (id) {
        id -> Text,
        number -> Text,
        company_id -> Nullable<Text>,
        state -> Text,
        reserved_until -> Nullable<Timestamp>,
        reserved_by -> Nullable<Text>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> Text,
        occurred_at -> Timestamp,
        actor_id -> Text,
        actor_role -> Text,
        company_id -> Nullable<Text>,
        action -> Text,
        object_type -> Text,
        object_id -> Text,
        details -> Text,
    }
}

diesel::table! {
    login_failures (id) {
        id -> Text,
        subject -> Text,
        failed_at -> Timestamp,
    }
}

diesel::table! {
    bulk_orders (id) {
        id -> Text,
        company_id -> Text,
        status -> Text,
        version -> Integer,
        header -> Nullable<Text>,
        total -> Integer,
        problems -> Nullable<Text>,
        summary -> Nullable<Text>,
        created_by -> Text,
        confirmed_by -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        failed_steps -> Integer,
    }
}

diesel::table! {
    bulk_order_rows (bulk_order_id, row_number) {
        bulk_order_id -> Text,
        row_number -> Integer,
        form -> Text,
        cells -> Nullable<Text>,
        status -> Text,
        problems -> Nullable<Text>,
        order_id -> Nullable<Text>,
        subscription_id -> Nullable<Text>,
        number_port_id -> Nullable<Text>,
    }
}

diesel::joinable!(users -> companies (company_id));
diesel::joinable!(bulk_order_rows -> bulk_orders (bulk_order_id));
diesel::joinable!(api_clients -> companies (company_id));
diesel::joinable!(numbers -> companies (company_id));
diesel::joinable!(help_feedback -> help_articles (article_slug));
diesel::joinable!(poa_links -> number_ports (port_id));
diesel::joinable!(port_delays -> number_ports (port_id));
diesel::joinable!(port_deadlines -> number_ports (port_id));

diesel::allow_tables_to_appear_in_same_query!(
    companies,
    users,
    api_clients,
    plans,
    mobile_packages,
    numbers,
    audit_events,
    login_failures,
    help_articles,
    help_feedback,
    orders,
    initials_claims,
    subscriptions,
    sim_serials,
    outbox,
    idempotency_keys,
    number_ports,
    number_port_events,
    poa_links,
    poa_signatures,
    access_revocations,
    login_links,
    events,
    webhook_endpoints,
    webhook_deliveries,
    webhook_attempts,
    test_clocks,
    port_deadlines,
    port_delays,
    bulk_orders,
    bulk_order_rows,
    approval_rules,
    approvals,
    object_cost_centers,
);

diesel::table! {
    help_articles (slug) {
        slug -> Text,
        title -> Text,
        summary -> Text,
        body -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    help_feedback (id) {
        id -> Text,
        article_slug -> Text,
        helpful -> Bool,
        comment -> Nullable<Text>,
        email -> Nullable<Text>,
        client_ip -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    orders (id) {
        id -> Text,
        company_id -> Text,
        status -> Text,
        version -> Integer,
        plan_code -> Text,
        mobile_package_code -> Text,
        data_sharing_cards -> Integer,
        employee -> Text,
        initials -> Text,
        number -> Text,
        port -> Nullable<Text>,
        expires_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        subscription_id -> Nullable<Text>,
        bulk_order_id -> Nullable<Text>,
    }
}

diesel::table! {
    initials_claims (company_id, initials) {
        company_id -> Text,
        initials -> Text,
        holder_id -> Text,
        expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    subscriptions (id) {
        id -> Text,
        company_id -> Text,
        order_id -> Text,
        status -> Text,
        version -> Integer,
        plan_code -> Text,
        mobile_package_code -> Text,
        data_sharing_cards -> Integer,
        employee_name -> Text,
        initials -> Text,
        number -> Text,
        details -> Text,
        iccid -> Text,
        terminates_on -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sim_serials (issuer) {
        issuer -> Integer,
        next_serial -> BigInt,
    }
}

diesel::table! {
    outbox (id) {
        id -> Text,
        company_id -> Nullable<Text>,
        kind -> Text,
        recipient -> Text,
        subject -> Text,
        body -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idempotency_keys (company_id, key) {
        company_id -> Text,
        key -> Text,
        fingerprint -> Text,
        response_status -> Nullable<Integer>,
        response -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    number_ports (id) {
        id -> Text,
        company_id -> Text,
        subscription_id -> Text,
        number -> Text,
        status -> Text,
        version -> Integer,
        owner_name -> Text,
        owner_email -> Text,
        requested_date -> Nullable<Date>,
        port_date -> Nullable<Date>,
        rejection -> Nullable<Text>,
        poa_token_hash -> Nullable<Text>,
        poa_expires_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        submitted_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    poa_links (token_hash) {
        token_hash -> Text,
        port_id -> Text,
        sent_at -> Timestamp,
        reminder -> Bool,
    }
}

diesel::table! {
    poa_signatures (id) {
        id -> Text,
        port_id -> Text,
        signer_name -> Text,
        signed_at -> Timestamp,
        client_ip -> Text,
        user_agent -> Text,
        document_sha256 -> Text,
    }
}

diesel::table! {
    number_port_events (id) {
        id -> Text,
        port_id -> Text,
        status -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    events (id) {
        id -> Text,
        company_id -> Text,
        #[sql_name = "type"]
        event_type -> Text,
        data -> Text,
        created_at -> Timestamp,
        object_id -> Nullable<Text>,
    }
}

diesel::table! {
    webhook_endpoints (id) {
        id -> Text,
        company_id -> Text,
        url -> Text,
        description -> Nullable<Text>,
        event_types -> Text,
        enabled -> Bool,
        secret -> Text,
        previous_secret -> Nullable<Text>,
        previous_secret_until -> Nullable<Timestamp>,
        failing_since -> Nullable<Timestamp>,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Text,
        endpoint_id -> Text,
        event_id -> Text,
        event_type -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        claimed_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    webhook_attempts (id) {
        id -> Text,
        delivery_id -> Text,
        attempted_at -> Timestamp,
        status_code -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> Integer,
    }
}

diesel::table! {
    test_clocks (company_id) {
        company_id -> Text,
        frozen_time -> Timestamp,
        status -> Text,
        advancing_to -> Nullable<Timestamp>,
        lease_owner -> Nullable<Text>,
        lease_until -> Nullable<Timestamp>,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    port_deadlines (port_id) {
        port_id -> Text,
        company_id -> Text,
        deadline_on -> Date,
        delay_counted_to -> Nullable<Date>,
        delayed_working_days -> Integer,
        compensation_ore -> BigInt,
    }
}

diesel::table! {
    port_delays (port_id, day) {
        port_id -> Text,
        day -> Date,
        company_id -> Text,
        amount_ore -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::joinable!(webhook_deliveries -> webhook_endpoints (endpoint_id));
diesel::joinable!(webhook_attempts -> webhook_deliveries (delivery_id));

diesel::table! {
    approval_rules (company_id) {
        company_id -> Text,
        above_monthly_incl_vat_ore -> Nullable<BigInt>,
        bulk -> Bool,
        expires_after_hours -> Integer,
        version -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    approvals (subject_id) {
        subject_id -> Text,
        company_id -> Text,
        kind -> Text,
        requested_by -> Text,
        requested_at -> Timestamp,
        expires_at -> Timestamp,
        decision -> Nullable<Text>,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    object_cost_centers (object_id, cost_center) {
        object_id -> Text,
        company_id -> Text,
        cost_center -> Text,
    }
}
