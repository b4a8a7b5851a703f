-- An online ballot in ONE statement on PostgreSQL: take the proposal's row lock, check the voting window, find the
-- head's electors, and for each of its flats append the hash-chained log entry and insert or update the ballot,
-- then move the proposal's chain head. The same steps as the Python path of voting/services.py (SQLite, paper and
-- proxy ballots); the hash is voting/chain.py's event_hash byte for byte — tests compare the two, and
-- verify_ballots recomputes every entry in Python. Statuses: ok, not_open, not_yet, closed, out_of_scope.
-- Each statement of a (volatile) function takes a new snapshot: the ballots read after the lock are current.
-- Migration voting/0003 runs this file; a change to it needs a new migration that runs it again (CREATE OR REPLACE).
CREATE OR REPLACE FUNCTION gongyi_cast_online(
    p_proposal bigint, p_household bigint, p_choice text, p_by bigint, p_receipt text, p_at timestamptz
) RETURNS TABLE (status text, ballot_id bigint, ballot_household bigint, ballot_seq integer)
LANGUAGE plpgsql AS $$
DECLARE
    v_prop record;
    v_elector record;
    v_head text;
    v_flats integer;
    v_old text;
    v_seq integer;
    v_chain text;
    v_digest text;
    v_at text := to_char(p_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US') || '+00:00';
    v_saved bigint;
BEGIN
    SELECT p.state, p.voting_opens_at, p.voting_closes_at, p.ballot_seq, p.ballot_hash INTO v_prop
        FROM proposals_proposal p WHERE p.id = p_proposal FOR UPDATE;
    IF NOT FOUND OR v_prop.state <> 'voting' THEN
        RETURN QUERY SELECT 'not_open'::text, NULL::bigint, NULL::bigint, NULL::integer; RETURN;
    END IF;
    IF v_prop.voting_opens_at IS NOT NULL AND p_at < v_prop.voting_opens_at THEN
        RETURN QUERY SELECT 'not_yet'::text, NULL::bigint, NULL::bigint, NULL::integer; RETURN;
    END IF;
    IF v_prop.voting_closes_at IS NOT NULL AND p_at >= v_prop.voting_closes_at THEN
        RETURN QUERY SELECT 'closed'::text, NULL::bigint, NULL::bigint, NULL::integer; RETURN;
    END IF;
    SELECT e.head INTO v_head FROM voting_elector e
        WHERE e.proposal_id = p_proposal AND e.household_id = p_household LIMIT 1;
    SELECT count(*) INTO v_flats FROM voting_elector e WHERE e.proposal_id = p_proposal AND e.head = v_head;
    IF v_head IS NULL OR v_flats = 0 THEN
        RETURN QUERY SELECT 'out_of_scope'::text, NULL::bigint, NULL::bigint, NULL::integer; RETURN;
    END IF;
    v_seq := v_prop.ballot_seq;
    v_chain := v_prop.ballot_hash;
    FOR v_elector IN
        SELECT e.id, e.household_id, e.head, e.area FROM voting_elector e
        WHERE e.proposal_id = p_proposal AND e.head = v_head ORDER BY e.household_id
    LOOP
        v_old := NULL;
        SELECT b.choice INTO v_old FROM voting_ballot b
            WHERE b.proposal_id = p_proposal AND b.household_id = v_elector.household_id;
        v_old := coalesce(v_old, '');
        v_seq := v_seq + 1;
        v_digest := encode(sha256(convert_to(
            '[' || p_proposal || ',' || v_seq || ',' || v_elector.household_id || ',' || to_json(v_old)::text
            || ',' || to_json(p_choice)::text || ',"online",' || p_by || ',"",' || to_json(v_at)::text
            || ',' || to_json(v_chain)::text || ']', 'UTF8')), 'hex');
        INSERT INTO voting_ballotevent
            (proposal_id, seq, household_id, old_choice, new_choice, channel, by_id, proxy_name, at, prev_hash, hash)
            VALUES (p_proposal, v_seq, v_elector.household_id, v_old, p_choice, 'online', p_by, '', p_at, v_chain,
                    v_digest);
        v_chain := v_digest;
        INSERT INTO voting_ballot AS b
            (proposal_id, household_id, elector_id, head, shared_head, area, choice, channel, recorded_by_id,
             proxy_name, evidence, receipt, seq, cast_at)
            VALUES (p_proposal, v_elector.household_id, v_elector.id, v_elector.head, v_flats > 1, v_elector.area,
                    p_choice, 'online', p_by, '', '', p_receipt, v_seq, p_at)
            ON CONFLICT (proposal_id, household_id) DO UPDATE SET
                choice = EXCLUDED.choice, channel = EXCLUDED.channel, recorded_by_id = EXCLUDED.recorded_by_id,
                proxy_name = EXCLUDED.proxy_name, receipt = EXCLUDED.receipt, seq = EXCLUDED.seq,
                cast_at = EXCLUDED.cast_at
            RETURNING b.id INTO v_saved;
        RETURN QUERY SELECT 'ok'::text, v_saved, v_elector.household_id, v_seq;
    END LOOP;
    UPDATE proposals_proposal SET ballot_seq = v_seq, ballot_hash = v_chain WHERE id = p_proposal;
END;
$$;
