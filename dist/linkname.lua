-- linkname.lua: a Wireshark dissector for the linkname protocol, version 1
-- (docs/PROTOCOL.md), on UDP port 1903.
--
--   wireshark -X lua_script:linkname.lua      (or tshark -X ...)
--
-- The Debian package installs it where Wireshark loads Lua plugins by
-- itself (/usr/lib/<multiarch>/wireshark/plugins). It shows the header and
-- every TLV (NAME, ADDRESS, LIFETIME, TIMESTAMP as a date, MAC, unknown
-- ones with their critical bit), and says whether linknamed's decoder
-- (PROTOCOL.md section 7) accepts the datagram: if not, the first step
-- that fails is flagged as expert info under the reason name the daemon
-- counts (bad-tlv, duplicate-tlv, ...), as is a hop limit other than 255
-- or a source outside fe80::/10. The MAC is shown, not verified: that
-- needs the shared key, and what it covers may grow.

local PORT = 1903
local HDR_LEN = 8
local TLV_HDR_LEN = 4
local MAX_PACKET = 1232
local MAX_ADDRS = 8
local LIFETIME_MAX = 86400
local CRITICAL = 0x8000

local ANNOUNCE, GOODBYE, SOLICIT = 1, 2, 3
local MSG_TYPES = { [ANNOUNCE] = "ANNOUNCE", [GOODBYE] = "GOODBYE", [SOLICIT] = "SOLICIT" }

local proto = Proto("linkname", "linkname protocol")

-- The reasons of PROTOCOL.md section 7, as the daemon names them.
local DECODE_REASONS = {
	"short", "too-long", "bad-magic", "bad-version", "bad-type", "bad-length",
	"bad-tlv", "duplicate-tlv", "bad-name", "bad-address", "bad-lifetime",
	"unknown-critical", "missing-field", "bad-mac-tlv",
}
local TRANSPORT_REASONS = { "hop-limit", "not-link-local", "bad-port" }

local experts = {}
local expert_list = {}
for _, r in ipairs(DECODE_REASONS) do
	experts[r] = ProtoExpert.new("linkname." .. r:gsub("%-", "_"), r, expert.group.MALFORMED,
				     expert.severity.ERROR)
	expert_list[#expert_list + 1] = experts[r]
end
for _, r in ipairs(TRANSPORT_REASONS) do
	experts[r] = ProtoExpert.new("linkname." .. r:gsub("%-", "_"), r, expert.group.PROTOCOL,
				     expert.severity.WARN)
	expert_list[#expert_list + 1] = experts[r]
end
proto.experts = expert_list

local f = {
	magic = ProtoField.uint16("linkname.magic", "Magic", base.HEX),
	version = ProtoField.uint8("linkname.version", "Version", base.DEC),
	type = ProtoField.uint8("linkname.type", "Type", base.DEC, MSG_TYPES),
	length = ProtoField.uint16("linkname.length", "Length", base.DEC),
	reserved = ProtoField.uint16("linkname.reserved", "Reserved", base.HEX),
	decode = ProtoField.string("linkname.decode", "Decoder"),
	tlv = ProtoField.none("linkname.tlv", "TLV"),
	tlv_critical = ProtoField.bool("linkname.tlv.critical", "Critical", 16, nil, CRITICAL),
	tlv_type = ProtoField.uint16("linkname.tlv.type", "Type", base.DEC, nil, 0x7fff),
	tlv_length = ProtoField.uint16("linkname.tlv.length", "Value length", base.DEC),
	tlv_value = ProtoField.bytes("linkname.tlv.value", "Value"),
	name = ProtoField.string("linkname.name", "Name"),
	address = ProtoField.ipv6("linkname.address", "Address"),
	lifetime = ProtoField.uint32("linkname.lifetime", "Lifetime (s)", base.DEC),
	timestamp = ProtoField.absolute_time("linkname.timestamp", "Timestamp", base.UTC),
	timestamp_ms = ProtoField.uint64("linkname.timestamp_ms", "Timestamp (ms since 1970)", base.DEC),
	mac = ProtoField.bytes("linkname.mac", "MAC"),
	data = ProtoField.bytes("linkname.data", "Not decoded"),
}
local field_list = {}
for _, v in pairs(f) do field_list[#field_list + 1] = v end
proto.fields = field_list

local ipv6_hlim = Field.new("ipv6.hlim")
local ipv6_src = Field.new("ipv6.src")
local udp_srcport = Field.new("udp.srcport")

-- One ctx per datagram: what the decoder has seen, and its verdict.
local function flag(ctx, item, reason, text)
	if ctx.reason then return end	-- the daemon stops at the first failure
	ctx.reason = reason
	item:add_proto_expert_info(experts[reason], reason .. ": " .. text)
end

local function name_valid(s)
	return #s >= 1 and #s <= 63 and s:match("^[A-Za-z0-9-]+$") ~= nil and
	       s:sub(1, 1) ~= "-" and s:sub(-1) ~= "-"
end

local function linklocal(range)
	return bit.band(range:range(0, 2):uint(), 0xffc0) == 0xfe80
end

local function ignored_in(ctx, item)
	item:append_text(" (ignored in a " .. MSG_TYPES[ctx.type] .. ")")
end

-- The TLV registry (section 4), one entry per type. len: the exact value
-- length (or min/max); bad_len: the reason when it is wrong; limit: how
-- many a datagram may carry (more is duplicate-tlv); dup_first: the
-- repeat is checked before the value; show: adds the value to the tree.
local TLVS = {
	[1] = { name = "NAME", min = 1, max = 63, bad_len = "bad-name", limit = 1, dup_first = true,
		show = function(tree, v, ctx)
			local s = v:string()
			local item = tree:add(f.name, v)
			if not name_valid(s) then
				flag(ctx, item, "bad-name", "not one label of letters, digits and inner hyphens")
			end
			ctx.name = ctx.name or s
			return s
		end },
	[2] = { name = "ADDRESS", len = 16, bad_len = "bad-tlv", limit = MAX_ADDRS,
		show = function(tree, v, ctx)
			local item = tree:add(f.address, v)
			if ctx.type == SOLICIT then ignored_in(ctx, item) else
				ctx.addrs[#ctx.addrs + 1] = { item = item, range = v }
			end
			return tostring(v:ipv6())
		end },
	[3] = { name = "LIFETIME", len = 4, bad_len = "bad-tlv", limit = 1,
		show = function(tree, v, ctx)
			local item = tree:add(f.lifetime, v)
			local t = v:uint()
			if ctx.type == ANNOUNCE then
				if t == 0 or t > LIFETIME_MAX then
					flag(ctx, item, "bad-lifetime", t .. " s is not in 1.." .. LIFETIME_MAX)
				end
				ctx.lifetime = t
			else
				ignored_in(ctx, item)
			end
			return t .. " s"
		end },
	[4] = { name = "TIMESTAMP", len = 8, bad_len = "bad-tlv", limit = 1,
		show = function(tree, v, ctx)
			local ms = v:uint64()
			local secs = (ms / 1000):tonumber()
			local ns = (ms % 1000):tonumber() * 1000000
			tree:add(f.timestamp, v, NSTime.new(secs, ns))
			tree:add(f.timestamp_ms, v)
			return os.date("!%Y-%m-%d %H:%M:%S", secs) .. string.format(".%03d UTC", math.floor(ns / 1000000))
		end },
	[5] = { name = "MAC", len = 32, bad_len = "bad-mac-tlv", limit = 1, last = true,
		show = function(tree, v, ctx)
			tree:add(f.mac, v):append_text(" (not verified)")
			ctx.signed = true
			return v:len() .. " octets"
		end },
}
local TLV_NAMES = {}
for t, d in pairs(TLVS) do TLV_NAMES[t] = d.name end

-- One TLV at off (its header fits). Returns the offset after it, or nil
-- when its value runs past the end.
local function dissect_tlv(tvb, tree, off, len, ctx)
	local raw = tvb(off, 2):uint()
	local t = bit.band(raw, 0x7fff)
	local vlen = tvb(off + 2, 2):uint()
	local d = TLVS[t]
	local fits = len - off - TLV_HDR_LEN >= vlen
	local span = fits and TLV_HDR_LEN + vlen or len - off
	local label = d and d.name or string.format("Unknown TLV 0x%04x", raw)
	local sub = tree:add(f.tlv, tvb(off, span)):set_text(label)
	sub:add(f.tlv_critical, tvb(off, 2))
	sub:add(f.tlv_type, tvb(off, 2)):append_text(" (" .. (d and d.name or "unassigned") .. ")")
	sub:add(f.tlv_length, tvb(off + 2, 2))
	if not fits then
		sub:append_text(" (truncated)")
		if span > TLV_HDR_LEN then sub:add(f.tlv_value, tvb(off + TLV_HDR_LEN, span - TLV_HDR_LEN)) end
		flag(ctx, sub, "bad-tlv", string.format("a value of %d octets, but %d are left",
							vlen, len - off - TLV_HDR_LEN))
		return nil
	end
	local v = vlen > 0 and tvb(off + TLV_HDR_LEN, vlen) or nil
	local after = off + TLV_HDR_LEN + vlen
	if not d then
		if v then sub:add(f.tlv_value, v) end
		if bit.band(raw, CRITICAL) ~= 0 then
			flag(ctx, sub, "unknown-critical", string.format("type 0x%04x is unknown and critical", raw))
			sub:append_text(" (critical: the datagram is dropped)")
		else
			sub:append_text(" (optional: skipped)")
		end
		return after
	end
	ctx.count[t] = (ctx.count[t] or 0) + 1
	local dup = ctx.count[t] > d.limit
	local dup_text = d.limit == 1 and "a second " .. d.name or
			 string.format("more than %d %ses", d.limit, d.name)
	if dup and d.dup_first then flag(ctx, sub, "duplicate-tlv", dup_text) end
	local len_ok = (d.len and vlen == d.len) or (d.min and vlen >= d.min and vlen <= d.max)
	if not len_ok then
		flag(ctx, sub, d.bad_len, string.format("%s value of %d octets, not %s", d.name, vlen,
			d.len and tostring(d.len) or d.min .. "-" .. d.max))
	end
	if d.last and after ~= len then
		flag(ctx, sub, "bad-mac-tlv", d.name .. " is not the last TLV")
	end
	if dup then flag(ctx, sub, "duplicate-tlv", dup_text) end
	if len_ok and v then
		sub:append_text(": " .. d.show(sub, v, ctx))
	elseif v then
		sub:add(f.tlv_value, v)
	end
	return after
end

-- Section 7, steps 1-3: what linknamed checks before decoding.
local function transport_checks(tree, ctx)
	local h = { ipv6_hlim() }
	local s = { ipv6_src() }
	local p = { udp_srcport() }
	h, s, p = h[#h], s[#s], p[#p]
	if h and h.value ~= 255 then
		ctx.transport = "hop-limit"
		tree:add_proto_expert_info(experts["hop-limit"], "hop-limit: " .. h.value ..
			", not 255: linknamed drops it (it may come from beyond the link)")
	end
	if s and not tostring(s.value):match("^fe[89ab]%x:") then
		ctx.transport = ctx.transport or "not-link-local"
		tree:add_proto_expert_info(experts["not-link-local"], "not-link-local: source " ..
			tostring(s.value) .. " is not in fe80::/10: linknamed drops it")
	end
	if p and p.value ~= 1903 then
		ctx.transport = ctx.transport or "bad-port"
		tree:add_proto_expert_info(experts["bad-port"], "bad-port: source port " ..
			p.value .. ", not 1903: linknamed drops it")
	end
end

function proto.dissector(tvb, pinfo, root)
	local len = tvb:reported_length_remaining()
	local ctx = { count = {}, addrs = {} }
	pinfo.cols.protocol = "linkname"
	local tree = root:add(proto, tvb())
	transport_checks(tree, ctx)

	if len < HDR_LEN then
		tree:add(f.data, tvb())
		flag(ctx, tree, "short", len .. " octets, shorter than the 8-octet header")
	else
		if len > MAX_PACKET then
			flag(ctx, tree, "too-long", len .. " octets, more than " .. MAX_PACKET)
		end
		local magic = tree:add(f.magic, tvb(0, 2))
		local version = tree:add(f.version, tvb(2, 1))
		local typ = tree:add(f.type, tvb(3, 1))
		local hlen = tree:add(f.length, tvb(4, 2))
		local rsv = tree:add(f.reserved, tvb(6, 2))
		ctx.type = tvb(3, 1):uint()
		if tvb(6, 2):uint() ~= 0 then rsv:append_text(" (non-zero: ignored)") end
		local good = true
		if tvb(0, 2):uint() ~= 0x4c4e then
			flag(ctx, magic, "bad-magic", "not 0x4c4e (\"LN\")")
			good = false
		elseif tvb(2, 1):uint() ~= 1 then
			flag(ctx, version, "bad-version", "version " .. tvb(2, 1):uint() .. ", not 1")
			good = false
		end
		if not MSG_TYPES[ctx.type] then
			flag(ctx, typ, "bad-type", "type " .. ctx.type .. " is not 1, 2 or 3")
		end
		if tvb(4, 2):uint() ~= len then
			flag(ctx, hlen, "bad-length", string.format("the header says %d octets, the datagram has %d",
								    tvb(4, 2):uint(), len))
		end
		if good then
			ctx.parsed = true
			-- The TLVs, shown to the end even after the decoder's verdict.
			local off = HDR_LEN
			while off and off < len do
				if len - off < TLV_HDR_LEN then
					local item = tree:add(f.data, tvb(off))
					flag(ctx, item, "bad-tlv", (len - off) .. " octets left, too few for a TLV header")
					break
				end
				off = dissect_tlv(tvb, tree, off, len, ctx)
			end
			-- Steps 13-14, after the walk.
			if ctx.type ~= SOLICIT then
				for _, a in ipairs(ctx.addrs) do
					if not linklocal(a.range) then
						flag(ctx, a.item, "bad-address", "not in fe80::/10")
					end
				end
			end
			local need = {}
			if ctx.type == ANNOUNCE or ctx.type == GOODBYE then
				if not ctx.count[1] then need[#need + 1] = "NAME" end
			end
			if ctx.type == ANNOUNCE then
				if not ctx.count[2] then need[#need + 1] = "ADDRESS" end
				if not ctx.count[3] then need[#need + 1] = "LIFETIME" end
			end
			if #need > 0 then
				flag(ctx, tree, "missing-field", MSG_TYPES[ctx.type] .. " without " ..
					table.concat(need, ", "))
			end
		elseif len > HDR_LEN then
			tree:add(f.data, tvb(HDR_LEN))
		end
	end

	local verdict = ctx.reason and "dropped (" .. ctx.reason .. ")" or "ok"
	tree:add(f.decode, ctx.reason or "ok"):set_generated():set_text("Decoder: " .. verdict)

	-- Summary, in the tree and the Info column.
	local info = MSG_TYPES[ctx.type] or (ctx.type and "type " .. ctx.type) or ""
	if ctx.name then info = info .. " " .. ctx.name
	elseif ctx.type == SOLICIT and ctx.parsed then info = info .. " (everyone)" end
	for _, a in ipairs(ctx.addrs) do info = info .. " " .. tostring(a.range:ipv6()) end
	if ctx.lifetime then info = info .. " lifetime " .. ctx.lifetime .. "s" end
	if ctx.signed then info = info .. " [signed]" end
	local why = ctx.reason or ctx.transport
	if why then info = "[" .. why .. "]" .. (info ~= "" and " " .. info or "") end
	tree:append_text(", " .. info)
	pinfo.cols.info = info
	return len
end

DissectorTable.get("udp.port"):add(PORT, proto)
