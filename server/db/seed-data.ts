/*
 * The demo business as data: a plumbing & heating company in Madison, Wisconsin. Names and
 * numbers are fixed so screenshots, docs and tests can point at them; dates are offsets from the
 * moment the seed runs (days ago / days ahead in the business's time zone), so the demo always
 * has an upcoming appointment, a current open invoice and overdue ones.
 */

/** The business row and its service area. */
export const DEMO_BUSINESS = {
	name: 'Brightwater Plumbing & Heating',
	shortName: 'Brightwater',
	tagline: 'Licensed plumbers and heating techs serving the Madison area since 1998',
	// 5.8:1 on white, so it also works as link text; the amber accent is for highlights only.
	primaryColor: '#0e6e8c',
	accentColor: '#f59e0b',
	backgroundColor: '#ffffff',
	phone: '(608) 555-0142',
	email: 'office@brightwater.example',
	website: 'https://brightwater.example',
	addressLine1: '2150 Atwood Ave',
	addressLine2: 'Suite B',
	city: 'Madison',
	region: 'WI',
	postalCode: '53704',
	country: 'US',
	timeZone: 'America/Chicago',
	currency: 'USD',
	officeHours: [
		...[1, 2, 3, 4, 5].map((weekday) => ({ weekday, open: 7 * 60 + 30, close: 17 * 60 + 30 })),
		{ weekday: 6, open: 8 * 60, close: 12 * 60 }
	],
	baseLat: 43.0921,
	baseLng: -89.3537,
	serviceRadiusKm: 35,
	licence: 'WI Master Plumber MP-224817'
} as const;

/** Dane County: 5% state + 0.5% county sales tax. */
export const DEMO_TAX_BP = 550;

/** Postal codes served even where they poke past the radius. */
export const DEMO_POSTAL_CODES = [
	'53703', '53704', '53705', '53711', '53713', '53714', '53715', '53716', '53717', '53718', '53719', '53726',
	'53558', '53562', '53590', '53593', '53597'
];

/** Staff who can sign in to the console; technicians are also bookable resources. */
export const DEMO_STAFF = [
	{ key: 'rosa', name: 'Rosa Delgado', email: 'rosa@brightwater.example', role: 'owner' },
	{ key: 'kim', name: 'Kim Nguyen', email: 'kim@brightwater.example', role: 'office' },
	{ key: 'luis', name: 'Luis Ortega', email: 'luis@brightwater.example', role: 'technician' },
	{ key: 'jake', name: 'Jake Brennan', email: 'jake@brightwater.example', role: 'technician' }
] as const;

/** Key of a demo staff member. */
export type StaffKey = (typeof DEMO_STAFF)[number]['key'];

/** Weekly hours per technician: weekday (0 = Sunday) → [start, end] minutes. */
export const DEMO_HOURS: Record<'luis' | 'jake', { weekday: number; start: number; end: number }[]> = {
	luis: [1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: 7 * 60 + 30, end: 16 * 60 })),
	jake: [
		...[1, 2, 3, 4, 5].map((weekday) => ({ weekday, start: 8 * 60, end: 16 * 60 + 30 })),
		{ weekday: 6, start: 8 * 60, end: 12 * 60 }
	]
};

/** What customers can book. */
export const DEMO_SERVICE_TYPES = [
	{ key: 'boiler', name: 'Annual boiler service', description: 'Inspection, cleaning and safety check of your boiler, with a written report.', duration: 90, buffer: 30 },
	{ key: 'drain', name: 'Drain cleaning', description: 'Clear a slow or blocked sink, tub, floor or main drain.', duration: 60, buffer: 20 },
	{ key: 'heater', name: 'Water heater install', description: 'Replace a tank or tankless water heater, including haul-away of the old one.', duration: 240, buffer: 30 },
	{ key: 'leak', name: 'Leak inspection', description: 'Find the source of a drip, stain or puddle and quote the repair.', duration: 60, buffer: 15 },
	{ key: 'furnace', name: 'Furnace tune-up', description: 'Seasonal furnace check: burners, filter, flue and thermostat.', duration: 75, buffer: 20 },
	{ key: 'fixture', name: 'Faucet or fixture repair', description: 'Repair or replace a faucet, toilet, shower valve or garbage disposal.', duration: 60, buffer: 15 }
] as const;

/** Key of a demo service type. */
export type ServiceKey = (typeof DEMO_SERVICE_TYPES)[number]['key'];

/** A service address of a demo customer. */
export interface DemoAddress {
	label: string;
	line1: string;
	line2?: string;
	city: string;
	postalCode: string;
	lat: number;
	lng: number;
}

/** A demo customer with the addresses they get service at and who may sign in for them. */
export interface DemoCustomer {
	key: string;
	name: string;
	phone: string;
	/** Who may sign in: the first is the customer's main email. */
	users: { email: string; name: string }[];
	addresses: DemoAddress[];
	/** Billing address when it is not the first service address. */
	billing?: { name: string; email?: string; line1: string; line2?: string; city: string; postalCode: string };
	notes?: string;
}

const madison = (label: string, line1: string, postalCode: string, lat: number, lng: number, city = 'Madison'): DemoAddress => ({ label, line1, city, postalCode, lat, lng });

/** About twenty households and small businesses around Madison. Dana comes first: the demo sign-in. */
export const DEMO_CUSTOMERS: DemoCustomer[] = [
	{
		key: 'dana',
		name: 'Dana Whitfield',
		phone: '(608) 555-0117',
		users: [{ email: 'dana@example.com', name: 'Dana Whitfield' }],
		addresses: [
			madison('Home', '1418 Jenifer St', '53703', 43.0836, -89.3662),
			madison('Rental duplex', '1422 Jenifer St', '53703', 43.0837, -89.3657)
		],
		notes: 'Dog in the back yard: use the side gate. Owns the duplex next door.'
	},
	{
		key: 'okafor',
		name: 'Marcus & Elena Okafor',
		phone: '(608) 555-0163',
		users: [
			{ email: 'marcus.okafor@example.com', name: 'Marcus Okafor' },
			{ email: 'elena.okafor@example.com', name: 'Elena Okafor' }
		],
		addresses: [madison('Home', '722 Sheldon St', '53711', 43.0541, -89.4238)]
	},
	{
		key: 'lakeview',
		name: 'Lakeview Dental Clinic',
		phone: '(608) 555-0190',
		users: [{ email: 'frontdesk.lakeview@example.com', name: 'Anne Moreau' }],
		addresses: [madison('Clinic', '4602 Monona Dr', '53716', 43.0631, -89.3308, 'Monona')],
		billing: { name: 'Lakeview Dental Clinic — Accounts Payable', email: 'ap.lakeview@example.com', line1: 'PO Box 4419', city: 'Madison', postalCode: '53744' },
		notes: 'Commercial account. Work before 8:00 or after 17:00 when possible (patients).'
	},
	{
		key: 'jensen',
		name: 'Harold Jensen',
		phone: '(608) 555-0128',
		users: [{ email: 'harold.jensen@example.com', name: 'Harold Jensen' }],
		addresses: [madison('Home', '2017 Chadbourne Ave', '53726', 43.0687, -89.4171)]
	},
	{
		key: 'raman',
		name: 'Priya Raman',
		phone: '(608) 555-0135',
		users: [{ email: 'priya.raman@example.com', name: 'Priya Raman' }],
		addresses: [madison('Home', '6621 Old Sauk Rd', '53717', 43.0762, -89.4928)]
	},
	{
		key: 'herrera',
		name: 'Tomás Herrera',
		phone: '(608) 555-0171',
		users: [{ email: 'tomas.herrera@example.com', name: 'Tomás Herrera' }],
		addresses: [{ ...madison('Apartment', '815 E Johnson St', '53703', 43.0826, -89.3791), line2: 'Apt 3' }]
	},
	{
		key: 'laundry',
		name: 'Atwood Avenue Laundry',
		phone: '(608) 555-0182',
		users: [{ email: 'atwoodlaundry@example.com', name: 'Gus Petrakis' }],
		addresses: [madison('Laundromat', '1960 Atwood Ave', '53704', 43.0919, -89.3518)],
		notes: 'Commercial account. Twelve washers on one drain line; open 6:00–22:00.'
	},
	{
		key: 'kowalski',
		name: 'Beth Kowalski',
		phone: '(608) 555-0149',
		users: [{ email: 'beth.kowalski@example.com', name: 'Beth Kowalski' }],
		addresses: [madison('Home', '4117 Mandrake Rd', '53704', 43.1178, -89.3452)]
	},
	{
		key: 'lindqvist',
		name: 'Gregory & Ann Lindqvist',
		phone: '(608) 555-0156',
		users: [{ email: 'ann.lindqvist@example.com', name: 'Ann Lindqvist' }],
		addresses: [madison('Home', '210 N Prospect Ave', '53726', 43.0719, -89.4239)]
	},
	{
		key: 'maplecourt',
		name: 'Maple Court Apartments',
		phone: '(608) 555-0104',
		users: [{ email: 'maplecourt.manager@example.com', name: 'Greg Halvorsen' }],
		addresses: [madison('Building A', '5502 Milwaukee St', '53718', 43.1058, -89.2962)],
		billing: { name: 'Maple Court Property Management', email: 'billing.maplecourt@example.com', line1: '100 E Washington Ave', line2: 'Suite 400', city: 'Madison', postalCode: '53703' },
		notes: 'Commercial account, 24 units. Keys at the manager’s office in Building A.'
	},
	{
		key: 'carter',
		name: 'Jamal Carter',
		phone: '(608) 555-0112',
		users: [{ email: 'jamal.carter@example.com', name: 'Jamal Carter' }],
		addresses: [madison('Home', '1114 Vilas Ave', '53715', 43.0604, -89.4056)]
	},
	{
		key: 'chou',
		name: 'Mei-Ling Chou',
		phone: '(608) 555-0139',
		users: [{ email: 'meiling.chou@example.com', name: 'Mei-Ling Chou' }],
		addresses: [madison('Home', '2744 Fish Hatchery Rd', '53713', 43.0281, -89.4102, 'Fitchburg')]
	},
	{
		key: 'schultz',
		name: 'Robert & Linda Schultz',
		phone: '(608) 555-0187',
		users: [{ email: 'linda.schultz@example.com', name: 'Linda Schultz' }],
		addresses: [
			madison('Home', '418 Nichols Rd', '53716', 43.0579, -89.3349, 'Monona'),
			{ ...madison('Rental unit', '5105 Monona Dr', '53716', 43.0712, -89.3265, 'Monona'), line2: 'Unit 2' }
		]
	},
	{
		key: 'siddiqui',
		name: 'Fatima Siddiqui',
		phone: '(608) 555-0194',
		users: [{ email: 'fatima.siddiqui@example.com', name: 'Fatima Siddiqui' }],
		addresses: [madison('Home', '7402 Elmwood Ave', '53562', 43.0991, -89.5038, 'Middleton')]
	},
	{
		key: 'gallagher',
		name: 'Owen Gallagher',
		phone: '(608) 555-0108',
		users: [{ email: 'owen.gallagher@example.com', name: 'Owen Gallagher' }],
		addresses: [madison('Home', '1205 W Main St', '53590', 43.1829, -89.2468, 'Sun Prairie')],
		notes: 'Private well; pressure tank in the garage.'
	},
	{
		key: 'coffee',
		name: 'Monroe Street Coffee Co.',
		phone: '(608) 555-0176',
		users: [{ email: 'monroecoffee@example.com', name: 'Jess Larkin' }],
		addresses: [madison('Café', '1830 Monroe St', '53711', 43.0662, -89.4148)],
		notes: 'Commercial account. Grease trap serviced quarterly; come before 6:30 or after 15:00.'
	},
	{
		key: 'brandt',
		name: 'Katie Brandt',
		phone: '(608) 555-0152',
		users: [{ email: 'katie.brandt@example.com', name: 'Katie Brandt' }],
		addresses: [madison('Home', '402 N Main St', '53593', 42.9921, -89.5331, 'Verona')]
	},
	{
		key: 'adeyemi',
		name: 'Samuel Adeyemi',
		phone: '(608) 555-0123',
		users: [{ email: 'samuel.adeyemi@example.com', name: 'Samuel Adeyemi' }],
		addresses: [madison('Home', '214 Farwell Dr', '53558', 43.0121, -89.2891, 'McFarland')]
	},
	{
		key: 'fitzpatrick',
		name: 'Nora Fitzpatrick',
		phone: '(608) 555-0145',
		users: [{ email: 'nora.fitzpatrick@example.com', name: 'Nora Fitzpatrick' }],
		addresses: [madison('Home', '913 Spaight St', '53703', 43.0829, -89.3721)]
	},
	{
		key: 'hillside',
		name: 'Hillside Veterinary Clinic',
		phone: '(608) 555-0199',
		users: [{ email: 'hillsidevet@example.com', name: 'Dr. Paul Whitcomb' }],
		addresses: [madison('Clinic', '3620 University Ave', '53705', 43.0741, -89.4462)],
		notes: 'Commercial account. Boiler room access through the rear kennel door.'
	}
];

/** An invoice line: description, quantity (1.5 = one and a half), unit price in cents. */
export type DemoLine = [description: string, quantity: number, unitAmount: number];

/** How an invoice was (or is being) paid. */
export interface DemoPayment {
	method: 'card' | 'us_bank_account' | 'cash' | 'check';
	label: string;
	/** Days after the invoice was issued. */
	afterDays: number;
	status: 'succeeded' | 'processing' | 'failed';
	failureMessage?: string;
}

/** A demo invoice. `issuedDaysAgo` is null for drafts; due date = issue date + `netDays`. */
export interface DemoInvoice {
	customer: string;
	number: string;
	title: string;
	period?: string;
	status: 'draft' | 'open' | 'processing' | 'paid' | 'void';
	issuedDaysAgo: number | null;
	netDays: number;
	lines: DemoLine[];
	payments?: DemoPayment[];
	notes?: string;
	/** A total the demo promises (README, tests); the seed refuses to run if the lines disagree. */
	expectTotal?: number;
}

const LABOUR = 9800;
const AFTER_HOURS_LABOUR = 14700;
const visa = (afterDays: number): DemoPayment => ({ method: 'card', label: 'Visa •••• 4242', afterDays, status: 'succeeded' });

/** Water heater replacement at Dana's: quoted first, then invoiced with the same lines. */
export const DANA_HEATER_LINES: DemoLine[] = [
	['50-gallon high-recovery gas water heater', 1, 129900],
	['Installation labour', 4, LABOUR],
	['Thermal expansion tank', 1, 8900],
	['Haul-away and disposal of old heater', 1, 4500]
];

/** Invoices in every status: drafts, open (some overdue), processing, paid and void. */
export const DEMO_INVOICES: DemoInvoice[] = [
	// Dana — the demo customer.
	{ customer: 'dana', number: 'INV-04052', title: 'Water heater install', status: 'paid', issuedDaysAgo: 156, netDays: 15, lines: DANA_HEATER_LINES, payments: [{ method: 'check', label: 'Check #1187', afterDays: 9, status: 'succeeded' }] },
	{
		customer: 'dana',
		number: 'INV-04098',
		title: 'Quarterly contract',
		period: 'Q1',
		status: 'paid',
		issuedDaysAgo: 62,
		netDays: 30,
		lines: [
			['Quarterly maintenance contract — Q1 (Jan–Mar)', 1, 150000],
			['Labour: boiler pressure and expansion tank check', 2, LABOUR],
			['Expansion tank valve and gaskets', 1, 2912]
		],
		payments: [visa(3)],
		expectTotal: 182000
	},
	{
		customer: 'dana',
		number: 'INV-04101',
		title: 'Monthly service',
		period: 'March',
		status: 'void',
		issuedDaysAgo: 56,
		netDays: 14,
		lines: [['Monthly maintenance plan — March', 1, 24900]],
		notes: 'Issued twice by mistake: March is covered by the quarterly contract.'
	},
	{
		customer: 'dana',
		number: 'INV-04115',
		title: 'Monthly service',
		period: 'April',
		status: 'paid',
		issuedDaysAgo: 30,
		netDays: 14,
		lines: [
			['Monthly maintenance plan — April', 1, 24900],
			['Labour: water softener check at the duplex', 1, LABOUR]
		],
		payments: [visa(2)]
	},
	{
		customer: 'dana',
		number: 'INV-04127',
		title: 'Monthly service',
		period: 'May',
		status: 'open',
		issuedDaysAgo: 4,
		netDays: 14,
		lines: [
			['Monthly maintenance plan — May', 1, 24900],
			['Labour: kitchen faucet cartridge replacement', 1.5, LABOUR],
			['Faucet cartridge', 1, 1348]
		],
		expectTotal: 43200
	},
	// Everyone else.
	{ customer: 'okafor', number: 'INV-04088', title: 'Water softener repair', status: 'paid', issuedDaysAgo: 80, netDays: 15, lines: [['Softener control valve rebuild', 1, 18500], ['Labour', 1.5, LABOUR], ['Resin cleaner', 2, 1299]], payments: [{ method: 'us_bank_account', label: 'Bank account •••• 6789', afterDays: 5, status: 'succeeded' }] },
	{ customer: 'okafor', number: 'INV-04131', title: 'Sump pump replacement', status: 'draft', issuedDaysAgo: null, netDays: 15, lines: [['1/2 HP submersible sump pump', 1, 42900], ['Labour', 3, LABOUR], ['Discharge check valve', 1, 3400]] },
	{ customer: 'lakeview', number: 'INV-04095', title: 'Quarterly contract', period: 'Q1', status: 'paid', issuedDaysAgo: 68, netDays: 30, lines: [['Commercial maintenance contract — Q1', 1, 96000], ['Dental vacuum line flush', 1, 12500]], payments: [{ method: 'card', label: 'Amex •••• 0005', afterDays: 12, status: 'succeeded' }] },
	{ customer: 'lakeview', number: 'INV-04122', title: 'Backflow preventer test', status: 'open', issuedDaysAgo: 14, netDays: 30, lines: [['Annual backflow preventer test and report', 2, 12500], ['Filing fee — Madison Water Utility', 1, 2500]] },
	{
		customer: 'jensen',
		number: 'INV-04104',
		title: 'Drain cleaning',
		status: 'open',
		issuedDaysAgo: 50,
		netDays: 15,
		lines: [['Main sewer line cleaning, camera inspection included', 1, 34500]],
		payments: [{ method: 'card', label: 'Visa •••• 0341', afterDays: 20, status: 'failed', failureMessage: 'Your card was declined.' }]
	},
	{ customer: 'raman', number: 'INV-04091', title: 'Tankless water heater install', status: 'paid', issuedDaysAgo: 74, netDays: 15, lines: [['Condensing tankless water heater, 199k BTU', 1, 199500], ['Installation labour', 6, LABOUR], ['Gas line upsizing', 1, 38500], ['Venting kit', 1, 16900]], payments: [{ method: 'card', label: 'Mastercard •••• 4444', afterDays: 1, status: 'succeeded' }] },
	{ customer: 'raman', number: 'INV-04124', title: 'Descaling service', status: 'processing', issuedDaysAgo: 10, netDays: 15, lines: [['Tankless heater descaling and inlet filter clean', 1, 18900]], payments: [{ method: 'us_bank_account', label: 'Bank account •••• 3321', afterDays: 9, status: 'processing' }] },
	{ customer: 'herrera', number: 'INV-04109', title: 'Leak repair', status: 'paid', issuedDaysAgo: 40, netDays: 14, lines: [['Leak inspection', 1, 12900], ['Labour: replace section of copper supply line', 1.5, LABOUR], ['Copper pipe and fittings', 1, 2150]], payments: [visa(1)] },
	{ customer: 'herrera', number: 'INV-04126', title: 'Garbage disposal replacement', status: 'open', issuedDaysAgo: 6, netDays: 14, lines: [['3/4 HP garbage disposal', 1, 21900], ['Labour', 1, LABOUR]] },
	{ customer: 'laundry', number: 'INV-04083', title: 'Monthly service', period: 'February', status: 'paid', issuedDaysAgo: 88, netDays: 15, lines: [['Commercial maintenance plan — February', 1, 38500]], payments: [{ method: 'check', label: 'Check #5520', afterDays: 14, status: 'succeeded' }] },
	{ customer: 'laundry', number: 'INV-04107', title: 'Monthly service', period: 'March', status: 'open', issuedDaysAgo: 44, netDays: 15, lines: [['Commercial maintenance plan — March', 1, 38500], ['Lint trap and drain line flush', 1, 14500]], notes: 'Second reminder sent.' },
	{ customer: 'laundry', number: 'INV-04119', title: 'Monthly service', period: 'April', status: 'open', issuedDaysAgo: 20, netDays: 15, lines: [['Commercial maintenance plan — April', 1, 38500]] },
	{ customer: 'kowalski', number: 'INV-04112', title: 'Toilet repair', status: 'paid', issuedDaysAgo: 34, netDays: 14, lines: [['Fill valve and flapper kit', 1, 2450], ['Labour', 1, LABOUR]], payments: [{ method: 'cash', label: 'Cash', afterDays: 0, status: 'succeeded' }] },
	{ customer: 'lindqvist', number: 'INV-04086', title: 'Boiler repair', status: 'paid', issuedDaysAgo: 84, netDays: 15, lines: [['Boiler circulator pump', 1, 38900], ['Labour', 2.5, LABOUR], ['System refill and purge', 1, 6500]], payments: [{ method: 'card', label: 'Visa •••• 1881', afterDays: 4, status: 'succeeded' }] },
	{ customer: 'lindqvist', number: 'INV-04118', title: 'Radiator bleed and balance', status: 'void', issuedDaysAgo: 22, netDays: 14, lines: [['Labour (after-hours rate)', 2, AFTER_HOURS_LABOUR]], notes: 'Billed at the after-hours rate by mistake; replaced by INV-04120.' },
	{ customer: 'lindqvist', number: 'INV-04120', title: 'Radiator bleed and balance', status: 'paid', issuedDaysAgo: 21, netDays: 14, lines: [['Labour', 2, LABOUR], ['Radiator bleed keys (2)', 1, 600]], payments: [{ method: 'card', label: 'Visa •••• 1881', afterDays: 3, status: 'succeeded' }] },
	{ customer: 'maplecourt', number: 'INV-04093', title: 'Quarterly contract', period: 'Q1', status: 'paid', issuedDaysAgo: 70, netDays: 30, lines: [['Commercial maintenance contract — Q1, 24 units', 1, 264000]], payments: [{ method: 'us_bank_account', label: 'Bank account •••• 2210', afterDays: 18, status: 'succeeded' }] },
	{ customer: 'maplecourt', number: 'INV-04125', title: 'Emergency call-out', status: 'open', issuedDaysAgo: 8, netDays: 30, lines: [['After-hours emergency call-out', 1, 19500], ['Labour (after-hours rate)', 2.5, AFTER_HOURS_LABOUR], ['Burst pipe repair: PEX, fittings, insulation', 1, 6840]] },
	{ customer: 'maplecourt', number: 'INV-04132', title: 'Quarterly contract', period: 'Q2', status: 'draft', issuedDaysAgo: null, netDays: 30, lines: [['Commercial maintenance contract — Q2, 24 units', 1, 264000]] },
	{ customer: 'carter', number: 'INV-04110', title: 'Water heater flush', status: 'paid', issuedDaysAgo: 38, netDays: 14, lines: [['Water heater flush and anode rod check', 1, 14900]], payments: [{ method: 'card', label: 'Discover •••• 1117', afterDays: 2, status: 'succeeded' }] },
	{ customer: 'chou', number: 'INV-04121', title: 'Faucet replacement', status: 'processing', issuedDaysAgo: 16, netDays: 15, lines: [['Kitchen faucet with pull-down sprayer', 1, 28900], ['Labour', 1, LABOUR], ['Braided supply lines', 2, 1450]], payments: [{ method: 'us_bank_account', label: 'Bank account •••• 4410', afterDays: 14, status: 'processing' }] },
	{ customer: 'schultz', number: 'INV-04097', title: 'Furnace tune-up', status: 'paid', issuedDaysAgo: 64, netDays: 14, lines: [['Furnace tune-up', 1, 11900], ['Pleated filter 16×25×1', 2, 1600]], payments: [{ method: 'card', label: 'Mastercard •••• 5100', afterDays: 6, status: 'succeeded' }] },
	{ customer: 'schultz', number: 'INV-04123', title: 'Rental unit: shower valve repair', status: 'open', issuedDaysAgo: 12, netDays: 30, lines: [['Shower valve cartridge', 1, 5400], ['Labour', 1.5, LABOUR]] },
	{ customer: 'siddiqui', number: 'INV-04116', title: 'Leak inspection', status: 'open', issuedDaysAgo: 26, netDays: 14, lines: [['Leak inspection', 1, 12900], ['Moisture meter report', 1, 3500]] },
	{ customer: 'gallagher', number: 'INV-04103', title: 'Well pump pressure switch', status: 'paid', issuedDaysAgo: 52, netDays: 14, lines: [['Pressure switch 40/60', 1, 4900], ['Labour', 1, LABOUR]], payments: [{ method: 'card', label: 'Visa •••• 9023', afterDays: 1, status: 'succeeded' }] },
	{ customer: 'coffee', number: 'INV-04090', title: 'Grease trap service', period: 'Q1', status: 'paid', issuedDaysAgo: 76, netDays: 30, lines: [['Grease trap pump-out and inspection', 1, 32500], ['Disposal fee', 1, 4500]], payments: [{ method: 'us_bank_account', label: 'Bank account •••• 7719', afterDays: 10, status: 'succeeded' }] },
	{ customer: 'coffee', number: 'INV-04128', title: 'Grease trap service', period: 'Q2', status: 'open', issuedDaysAgo: 3, netDays: 30, lines: [['Grease trap pump-out and inspection', 1, 32500], ['Disposal fee', 1, 4500]] },
	{ customer: 'brandt', number: 'INV-04114', title: 'Frozen pipe thaw and repair', status: 'paid', issuedDaysAgo: 32, netDays: 14, lines: [['Emergency call-out', 1, 19500], ['Labour (after-hours rate)', 2, AFTER_HOURS_LABOUR], ['Heat tape and pipe insulation', 1, 5800]], payments: [{ method: 'card', label: 'Visa •••• 6610', afterDays: 0, status: 'succeeded' }] },
	{ customer: 'adeyemi', number: 'INV-04129', title: 'Water softener install', status: 'open', issuedDaysAgo: 2, netDays: 14, lines: [['Water softener, 40,000 grain', 1, 109900], ['Installation labour', 3, LABOUR], ['Bypass valve and fittings', 1, 4200]] },
	{ customer: 'fitzpatrick', number: 'INV-04106', title: 'Drain cleaning', status: 'void', issuedDaysAgo: 46, netDays: 14, lines: [['Bathroom sink drain cleaning', 1, 14500]], notes: 'Covered by the workmanship warranty: no charge.' },
	{ customer: 'hillside', number: 'INV-04100', title: 'Annual boiler service', status: 'paid', issuedDaysAgo: 58, netDays: 30, lines: [['Annual boiler service, commercial', 1, 28500], ['Combustion analysis report', 1, 4500]], payments: [{ method: 'us_bank_account', label: 'Bank account •••• 0582', afterDays: 11, status: 'succeeded' }] },
	{ customer: 'hillside', number: 'INV-04130', title: 'Floor drain cleaning', status: 'draft', issuedDaysAgo: null, netDays: 30, lines: [['Kennel floor drain cleaning (3 drains)', 3, 11500]] }
];

/** A document to render as a PDF at seed time. */
export interface DemoDocument {
	customer: string;
	kind: 'quote' | 'contract' | 'warranty' | 'certificate_of_insurance';
	/** Reference printed on the document and used in the file name. */
	ref: string;
	title: string;
	issuedDaysAgo: number;
	/** Who signed and when; unsigned documents leave it out. */
	signed?: { by: string; daysAgo: number };
	/** The address the document is about (index into the customer's addresses). */
	addressIndex?: number;
	paragraphs: string[];
	/** Priced lines (quotes): shown as a table with tax and total. */
	lines?: DemoLine[];
}

const coi = (holder: string): string[] => [
	'This certificate is issued as a matter of information only and confers no rights upon the certificate holder.',
	'Insured: Brightwater Plumbing & Heating LLC, 2150 Atwood Ave, Suite B, Madison, WI 53704.',
	'Insurer: Lakeshore Mutual Insurance Company. Policy GL-7741-2093.',
	'Commercial general liability: $1,000,000 each occurrence, $2,000,000 general aggregate.',
	'Commercial auto liability: $1,000,000 combined single limit.',
	'Workers’ compensation and employers’ liability: statutory limits (Wisconsin).',
	`Certificate holder: ${holder}.`
];

/** A quote, contracts, warranties and certificates of insurance, several of them signed. */
export const DEMO_DOCUMENTS: DemoDocument[] = [
	{
		customer: 'dana',
		kind: 'quote',
		ref: 'Q-2291',
		title: 'Quote: water heater replacement',
		issuedDaysAgo: 170,
		signed: { by: 'Dana Whitfield', daysAgo: 166 },
		paragraphs: [
			'Replace the failing 40-gallon gas water heater in the basement with a 50-gallon high-recovery unit, including a thermal expansion tank, a new gas flex connector and the drip leg the code requires.',
			'Price includes the permit, haul-away and disposal of the old heater. This quote is valid for 30 days.'
		],
		lines: DANA_HEATER_LINES
	},
	{
		customer: 'dana',
		kind: 'contract',
		ref: 'SC-0412',
		title: 'Service contract: quarterly maintenance',
		issuedDaysAgo: 98,
		signed: { by: 'Dana Whitfield', daysAgo: 95 },
		paragraphs: [
			'Covered properties: 1418 Jenifer St (home) and 1422 Jenifer St (rental duplex), Madison, WI 53703.',
			'Each quarter: boiler inspection, pressure and expansion tank check, water heater flush, fixture and supply line inspection, and a written visit report.',
			'Fee: $1,500.00 per quarter, invoiced at the start of the quarter. Parts are billed at cost plus 15%; labour on covered visits at the contract rate of $98.00 per hour.',
			'Priority scheduling: same-day response to leaks and no-heat calls, seven days a week.',
			'Term: twelve months, renewing automatically. Either party may cancel with 30 days’ written notice.'
		]
	},
	{
		customer: 'dana',
		kind: 'warranty',
		ref: 'W-1187',
		title: 'Warranty: 50-gallon gas water heater',
		issuedDaysAgo: 154,
		paragraphs: [
			'Installed at 1418 Jenifer St, Madison, WI 53703. Serial number BW50G-231184.',
			'Tank: 6 years from the installation date. Parts: 6 years. Labour: 1 year, by Brightwater Plumbing & Heating.',
			'To keep the warranty valid, flush the tank once a year (included in your maintenance contract) and keep the temperature setting at or below 140 °F.'
		]
	},
	{
		customer: 'dana',
		kind: 'certificate_of_insurance',
		ref: 'COI-0031',
		title: 'Certificate of insurance',
		issuedDaysAgo: 90,
		addressIndex: 1,
		paragraphs: coi('Dana Whitfield, 1422 Jenifer St (rental duplex), Madison, WI 53703')
	},
	{
		customer: 'okafor',
		kind: 'quote',
		ref: 'Q-2344',
		title: 'Quote: sump pump replacement',
		issuedDaysAgo: 5,
		paragraphs: [
			'Replace the 1/3 HP sump pump in the basement pit with a 1/2 HP submersible pump and a new discharge check valve, then test with a full pit.',
			'Optional: battery backup pump, quoted separately on request. This quote is valid for 30 days.'
		],
		lines: [
			['1/2 HP submersible sump pump', 1, 42900],
			['Labour', 3, LABOUR],
			['Discharge check valve', 1, 3400]
		]
	},
	{
		customer: 'lakeview',
		kind: 'contract',
		ref: 'SC-0388',
		title: 'Commercial service contract',
		issuedDaysAgo: 120,
		signed: { by: 'Dr. Anne Moreau', daysAgo: 112 },
		paragraphs: [
			'Covered property: Lakeview Dental Clinic, 4602 Monona Dr, Monona, WI 53716.',
			'Quarterly: dental vacuum line flush, backflow preventer visual check, water heater and fixture inspection. Annual backflow test and report to the water utility.',
			'Fee: $960.00 per quarter. Work is scheduled outside patient hours where possible.',
			'Term: twelve months, renewing automatically, 30 days’ notice to cancel.'
		]
	},
	{
		customer: 'lakeview',
		kind: 'certificate_of_insurance',
		ref: 'COI-0018',
		title: 'Certificate of insurance',
		issuedDaysAgo: 118,
		paragraphs: coi('Lakeview Dental Clinic, 4602 Monona Dr, Monona, WI 53716')
	},
	{
		customer: 'maplecourt',
		kind: 'contract',
		ref: 'SC-0371',
		title: 'Commercial service contract: 24 units',
		issuedDaysAgo: 140,
		signed: { by: 'Greg Halvorsen', daysAgo: 133 },
		paragraphs: [
			'Covered property: Maple Court Apartments, Buildings A and B, 5502 Milwaukee St, Madison, WI 53718.',
			'Quarterly: boiler room inspection, common-area fixtures, one drain line jetting per building. Tenant calls billed at the contract rate of $98.00 per hour.',
			'Fee: $2,640.00 per quarter. Emergency call-outs at the after-hours rate.'
		]
	},
	{
		customer: 'raman',
		kind: 'warranty',
		ref: 'W-1209',
		title: 'Warranty: condensing tankless water heater',
		issuedDaysAgo: 74,
		paragraphs: [
			'Installed at 6621 Old Sauk Rd, Madison, WI 53717.',
			'Heat exchanger: 12 years. Parts: 5 years. Labour: 1 year, by Brightwater Plumbing & Heating.',
			'Descale once a year in hard-water areas like ours to keep the warranty valid.'
		]
	},
	{
		customer: 'coffee',
		kind: 'certificate_of_insurance',
		ref: 'COI-0024',
		title: 'Certificate of insurance',
		issuedDaysAgo: 60,
		paragraphs: coi('Monroe Street Coffee Co., 1830 Monroe St, Madison, WI 53711')
	}
];

/** One message of a demo conversation, placed at `daysAgo` days before today at `minute` local time. */
export interface DemoMessage {
	from: 'customer' | StaffKey;
	daysAgo: number;
	minute: number;
	body: string;
}

/** Conversations with the office. `staffReadThrough` = how many messages staff have read. */
export const DEMO_THREADS: { customer: string; status: 'open' | 'done'; assigned?: StaffKey; staffReadThrough: number; messages: DemoMessage[] }[] = [
	{
		customer: 'dana',
		status: 'open',
		assigned: 'kim',
		staffReadThrough: 4,
		messages: [
			{ from: 'customer', daysAgo: 3, minute: 7 * 60 + 42, body: 'Hi! There’s a slow drip under the kitchen sink again, and a small puddle in the cabinet this morning. Could someone take a look?' },
			{ from: 'kim', daysAgo: 3, minute: 8 * 60 + 15, body: 'Morning Dana, sorry about that. Can you tell where it’s coming from: the shut-off valve, the supply line or the trap? If the drip gets worse, close the valve under the sink.' },
			{ from: 'customer', daysAgo: 3, minute: 8 * 60 + 40, body: 'Valve’s closed now. It looks like it’s the joint just above the trap.' },
			{ from: 'kim', daysAgo: 3, minute: 9 * 60 + 5, body: 'Thanks. I’ve booked Luis for a leak inspection; you’ll see the time under Appointments. He’ll bring a new slip-joint washer and check the supply lines too.' },
			{ from: 'customer', daysAgo: 1, minute: 18 * 60 + 20, body: 'Perfect, thank you! I’ll leave the side gate unlocked. Is the May invoice the usual monthly amount?' }
		]
	},
	{
		customer: 'okafor',
		status: 'open',
		assigned: 'kim',
		staffReadThrough: 2,
		messages: [
			{ from: 'customer', daysAgo: 6, minute: 20 * 60 + 10, body: 'The sump pump ran nonstop during last night’s rain and it’s making a grinding noise. Should we be worried?' },
			{ from: 'kim', daysAgo: 5, minute: 8 * 60 + 2, body: 'Grinding usually means the impeller is wearing out. We’ve put a quote for a replacement under Documents. We can book it as soon as you approve.' }
		]
	},
	{
		customer: 'lakeview',
		status: 'done',
		assigned: 'rosa',
		staffReadThrough: 3,
		messages: [
			{ from: 'customer', daysAgo: 119, minute: 10 * 60, body: 'Our landlord needs a current certificate of insurance before your next visit. Could you send one?' },
			{ from: 'rosa', daysAgo: 118, minute: 9 * 60 + 30, body: 'Of course. The certificate is under Documents now, made out to the clinic.' },
			{ from: 'customer', daysAgo: 118, minute: 11 * 60 + 12, body: 'Got it, thanks Rosa.' }
		]
	},
	{
		customer: 'jensen',
		status: 'open',
		staffReadThrough: 1,
		messages: [
			{ from: 'kim', daysAgo: 14, minute: 10 * 60, body: 'Hi Harold, your card was declined for invoice INV-04104 (drain cleaning). You can pay it here in the portal by card or bank transfer whenever suits you.' },
			{ from: 'customer', daysAgo: 2, minute: 16 * 60 + 45, body: 'Sorry, new card. I’ll pay it this week.' }
		]
	}
];

/** A line of a demo quote: how it counts (see shared/schemas/quote.ts), what it is, quantity, unit price in cents. */
export interface DemoQuoteLine {
	kind: 'included' | 'optional' | 'choice';
	group?: string;
	description: string;
	quantity: number;
	unitAmount: number;
	selectedByDefault?: boolean;
}

/** A quote waiting for the customer's signature. */
export interface DemoQuote {
	customer: string;
	number: string;
	title: string;
	sentDaysAgo: number;
	validForDays: number;
	depositRateBp: number;
	notes: string;
	lines: DemoQuoteLine[];
	/** A photo shown with the quote (generated at seed time). */
	photoCaption: string;
}

/** Dana's open quote: the duplex boiler, with a choice of boiler and an optional thermostat, so `npm start` shows a quote to sign. */
export const DEMO_QUOTES: DemoQuote[] = [
	{
		customer: 'dana',
		number: 'Q-02318',
		title: 'Boiler replacement at the rental duplex',
		sentDaysAgo: 2,
		validForDays: 30,
		depositRateBp: 2500,
		notes: 'Replaces the 1987 cast-iron boiler at 1422 Jenifer St. Includes the permit, removal of the old boiler, flushing the radiators and a combustion test. About two days on site; heat is off during the swap.',
		lines: [
			{ kind: 'choice', group: 'Boiler', description: 'Standard-efficiency gas boiler, 84% AFUE, 100k BTU', quantity: 1, unitAmount: 548000 },
			{ kind: 'choice', group: 'Boiler', description: 'High-efficiency condensing boiler, 95% AFUE, 100k BTU, with new venting', quantity: 1, unitAmount: 712000, selectedByDefault: true },
			{ kind: 'included', description: 'Installation labour (2 technicians)', quantity: 14, unitAmount: LABOUR },
			{ kind: 'included', description: 'Permit, removal and disposal of the old boiler', quantity: 1, unitAmount: 42500 },
			{ kind: 'optional', description: 'Smart thermostat with outdoor reset sensor', quantity: 1, unitAmount: 31900, selectedByDefault: true },
			{ kind: 'optional', description: 'Chemical flush and inhibitor for the radiator loop', quantity: 1, unitAmount: 18500 }
		],
		photoCaption: 'The current boiler in the duplex basement'
	}
];
