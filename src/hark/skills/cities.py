"""Places and their IANA time zones, for "what time is it in Tokyo?".

A built-in table of major cities, countries (their capital's or most populous
region's zone) and a few US states and regions, with spoken aliases ("NYC",
"LA", "Big Apple"). Names not in the table fall back to the IANA database
itself ("Kolkata" is ``Asia/Kolkata``, "Europe/Paris" is accepted as is).
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
import zoneinfo

# Display name | IANA zone | aliases (";"-separated). Countries that span several
# zones use their capital's or their most populous region's zone.
_TABLE = """
Abidjan|Africa/Abidjan|
Abu Dhabi|Asia/Dubai|
Abuja|Africa/Lagos|
Accra|Africa/Accra|
Addis Ababa|Africa/Addis_Ababa|
Adelaide|Australia/Adelaide|
Ahmedabad|Asia/Kolkata|
Algiers|Africa/Algiers|
Almaty|Asia/Almaty|
Amman|Asia/Amman|
Amsterdam|Europe/Amsterdam|
Anchorage|America/Anchorage|
Ankara|Europe/Istanbul|
Antananarivo|Indian/Antananarivo|
Athens|Europe/Athens|
Atlanta|America/New_York|
Auckland|Pacific/Auckland|
Austin|America/Chicago|
Baghdad|Asia/Baghdad|
Baku|Asia/Baku|
Baltimore|America/New_York|
Bamako|Africa/Bamako|
Bangalore|Asia/Kolkata|Bengaluru
Bangkok|Asia/Bangkok|
Barcelona|Europe/Madrid|
Beijing|Asia/Shanghai|Peking
Beirut|Asia/Beirut|
Belfast|Europe/London|
Belgrade|Europe/Belgrade|
Berlin|Europe/Berlin|
Bern|Europe/Zurich|Berne
Birmingham|Europe/London|
Bogotá|America/Bogota|
Boise|America/Boise|
Boston|America/New_York|
Brasília|America/Sao_Paulo|
Bratislava|Europe/Bratislava|
Brisbane|Australia/Brisbane|
Brussels|Europe/Brussels|
Bucharest|Europe/Bucharest|
Budapest|Europe/Budapest|
Buenos Aires|America/Argentina/Buenos_Aires|
Cairo|Africa/Cairo|
Calgary|America/Edmonton|
Canberra|Australia/Sydney|
Cape Town|Africa/Johannesburg|
Caracas|America/Caracas|
Casablanca|Africa/Casablanca|
Charlotte|America/New_York|
Chennai|Asia/Kolkata|Madras
Chicago|America/Chicago|Chi-town;Windy City
Chișinău|Europe/Chisinau|Chisinau
Cleveland|America/New_York|
Colombo|Asia/Colombo|
Columbus|America/New_York|
Copenhagen|Europe/Copenhagen|
Dakar|Africa/Dakar|
Dallas|America/Chicago|
Damascus|Asia/Damascus|
Dar es Salaam|Africa/Dar_es_Salaam|
Darwin|Australia/Darwin|
Delhi|Asia/Kolkata|New Delhi
Denver|America/Denver|
Detroit|America/Detroit|
Dhaka|Asia/Dhaka|Dacca
Doha|Asia/Qatar|
Dubai|Asia/Dubai|
Dublin|Europe/Dublin|
Durban|Africa/Johannesburg|
Düsseldorf|Europe/Berlin|Dusseldorf
Edinburgh|Europe/London|
Edmonton|America/Edmonton|
El Paso|America/Denver|
Florence|Europe/Rome|
Frankfurt|Europe/Berlin|
Geneva|Europe/Zurich|
Glasgow|Europe/London|
Guadalajara|America/Mexico_City|
Guangzhou|Asia/Shanghai|Canton
Guatemala City|America/Guatemala|
Halifax|America/Halifax|
Hamburg|Europe/Berlin|
Hanoi|Asia/Ho_Chi_Minh|
Harare|Africa/Harare|
Havana|America/Havana|
Helsinki|Europe/Helsinki|
Ho Chi Minh City|Asia/Ho_Chi_Minh|Saigon;Ho Chi Minh
Hobart|Australia/Hobart|
Hong Kong|Asia/Hong_Kong|
Honolulu|Pacific/Honolulu|
Houston|America/Chicago|
Hyderabad|Asia/Kolkata|
Indianapolis|America/Indiana/Indianapolis|
Islamabad|Asia/Karachi|
Istanbul|Europe/Istanbul|Constantinople
Jakarta|Asia/Jakarta|
Jeddah|Asia/Riyadh|
Jerusalem|Asia/Jerusalem|
Johannesburg|Africa/Johannesburg|Joburg
Kabul|Asia/Kabul|
Kampala|Africa/Kampala|
Kansas City|America/Chicago|
Karachi|Asia/Karachi|
Kathmandu|Asia/Kathmandu|
Khartoum|Africa/Khartoum|
Kinshasa|Africa/Kinshasa|
Kolkata|Asia/Kolkata|Calcutta
Kuala Lumpur|Asia/Kuala_Lumpur|KL
Kuwait City|Asia/Kuwait|
Kyiv|Europe/Kyiv|Kiev
Kyoto|Asia/Tokyo|
Lagos|Africa/Lagos|
Lahore|Asia/Karachi|
Las Vegas|America/Los_Angeles|Vegas
Lima|America/Lima|
Lisbon|Europe/Lisbon|
Ljubljana|Europe/Ljubljana|
London|Europe/London|
Los Angeles|America/Los_Angeles|LA;L A
Louisville|America/Kentucky/Louisville|
Luanda|Africa/Luanda|
Lusaka|Africa/Lusaka|
Luxembourg|Europe/Luxembourg|
Lyon|Europe/Paris|Lyons
Madrid|Europe/Madrid|
Manchester|Europe/London|
Manila|Asia/Manila|
Maputo|Africa/Maputo|
Marrakesh|Africa/Casablanca|Marrakech
Marseille|Europe/Paris|Marseilles
Mecca|Asia/Riyadh|Makkah
Medellín|America/Bogota|
Melbourne|Australia/Melbourne|
Mexico City|America/Mexico_City|
Miami|America/New_York|
Milan|Europe/Rome|
Milwaukee|America/Chicago|
Minneapolis|America/Chicago|
Minsk|Europe/Minsk|
Mogadishu|Africa/Mogadishu|
Monaco|Europe/Monaco|Monte Carlo
Montevideo|America/Montevideo|
Montreal|America/Toronto|Montréal
Moscow|Europe/Moscow|
Mumbai|Asia/Kolkata|Bombay
Munich|Europe/Berlin|München
Muscat|Asia/Muscat|
Nairobi|Africa/Nairobi|
Naples|Europe/Rome|
Nashville|America/Chicago|
New Orleans|America/Chicago|
New York|America/New_York|New York City;NYC;NY;Manhattan;Brooklyn;Big Apple
Nice|Europe/Paris|
Novosibirsk|Asia/Novosibirsk|
Osaka|Asia/Tokyo|
Oslo|Europe/Oslo|
Ottawa|America/Toronto|
Panama City|America/Panama|
Paris|Europe/Paris|
Perth|Australia/Perth|
Philadelphia|America/New_York|Philly
Phnom Penh|Asia/Phnom_Penh|
Phoenix|America/Phoenix|
Pittsburgh|America/New_York|
Portland|America/Los_Angeles|
Porto|Europe/Lisbon|Oporto
Prague|Europe/Prague|
Pyongyang|Asia/Pyongyang|
Quebec City|America/Toronto|
Quito|America/Guayaquil|
Rabat|Africa/Casablanca|
Reykjavik|Atlantic/Reykjavik|Reykjavík
Riga|Europe/Riga|
Rio de Janeiro|America/Sao_Paulo|Rio
Riyadh|Asia/Riyadh|
Rome|Europe/Rome|
Rotterdam|Europe/Amsterdam|
Sacramento|America/Los_Angeles|
Saint Petersburg|Europe/Moscow|St Petersburg;St. Petersburg;Leningrad
Salt Lake City|America/Denver|
San Antonio|America/Chicago|
San Diego|America/Los_Angeles|
San Francisco|America/Los_Angeles|SF;Frisco;San Fran
San José|America/Costa_Rica|San Jose Costa Rica
San Jose|America/Los_Angeles|San Jose California
San Juan|America/Puerto_Rico|
Santiago|America/Santiago|
Santo Domingo|America/Santo_Domingo|
São Paulo|America/Sao_Paulo|Sao Paulo
Sarajevo|Europe/Sarajevo|
Seattle|America/Los_Angeles|
Seoul|Asia/Seoul|
Shanghai|Asia/Shanghai|
Shenzhen|Asia/Shanghai|
Singapore|Asia/Singapore|
Skopje|Europe/Skopje|
Sofia|Europe/Sofia|
St. John's|America/St_Johns|St Johns;Saint John's
St. Louis|America/Chicago|St Louis;Saint Louis
Stockholm|Europe/Stockholm|
Stuttgart|Europe/Berlin|
Suva|Pacific/Fiji|
Sydney|Australia/Sydney|
Taipei|Asia/Taipei|
Tallinn|Europe/Tallinn|
Tampa|America/New_York|
Tashkent|Asia/Tashkent|
Tbilisi|Asia/Tbilisi|
Tehran|Asia/Tehran|Teheran
Tel Aviv|Asia/Jerusalem|
The Hague|Europe/Amsterdam|
Tijuana|America/Tijuana|
Tirana|Europe/Tirane|
Tokyo|Asia/Tokyo|
Toronto|America/Toronto|
Toulouse|Europe/Paris|
Tripoli|Africa/Tripoli|
Tunis|Africa/Tunis|
Ulaanbaatar|Asia/Ulaanbaatar|Ulan Bator
Vancouver|America/Vancouver|
Venice|Europe/Rome|
Vienna|Europe/Vienna|Wien
Vilnius|Europe/Vilnius|
Vladivostok|Asia/Vladivostok|
Warsaw|Europe/Warsaw|
Washington|America/New_York|Washington DC;Washington D.C.;DC;D.C.
Wellington|Pacific/Auckland|
Winnipeg|America/Winnipeg|
Yangon|Asia/Yangon|Rangoon
Yerevan|Asia/Yerevan|
Yokohama|Asia/Tokyo|
Zagreb|Europe/Zagreb|
Zürich|Europe/Zurich|Zurich
Afghanistan|Asia/Kabul|
Albania|Europe/Tirane|
Algeria|Africa/Algiers|
Argentina|America/Argentina/Buenos_Aires|
Armenia|Asia/Yerevan|
Australia|Australia/Sydney|
Austria|Europe/Vienna|
Azerbaijan|Asia/Baku|
the Bahamas|America/Nassau|
Bahrain|Asia/Bahrain|
Bangladesh|Asia/Dhaka|
Barbados|America/Barbados|
Belarus|Europe/Minsk|
Belgium|Europe/Brussels|
Bolivia|America/La_Paz|La Paz
Bosnia|Europe/Sarajevo|Bosnia and Herzegovina
Brazil|America/Sao_Paulo|
Bulgaria|Europe/Sofia|
Cambodia|Asia/Phnom_Penh|
Cameroon|Africa/Douala|
Canada|America/Toronto|
Chile|America/Santiago|
China|Asia/Shanghai|
Colombia|America/Bogota|
Costa Rica|America/Costa_Rica|
Croatia|Europe/Zagreb|
Cuba|America/Havana|
Cyprus|Asia/Nicosia|Nicosia
Czechia|Europe/Prague|Czech Republic
Denmark|Europe/Copenhagen|
the Dominican Republic|America/Santo_Domingo|
Ecuador|America/Guayaquil|
Egypt|Africa/Cairo|
El Salvador|America/El_Salvador|San Salvador
England|Europe/London|
Estonia|Europe/Tallinn|
Ethiopia|Africa/Addis_Ababa|
Fiji|Pacific/Fiji|
Finland|Europe/Helsinki|
France|Europe/Paris|
Georgia|Asia/Tbilisi|
Germany|Europe/Berlin|
Ghana|Africa/Accra|
Greece|Europe/Athens|
Greenland|America/Nuuk|Nuuk
Guatemala|America/Guatemala|
Honduras|America/Tegucigalpa|Tegucigalpa
Hungary|Europe/Budapest|
Iceland|Atlantic/Reykjavik|
India|Asia/Kolkata|
Indonesia|Asia/Jakarta|
Iran|Asia/Tehran|
Iraq|Asia/Baghdad|
Ireland|Europe/Dublin|
Israel|Asia/Jerusalem|
Italy|Europe/Rome|
Ivory Coast|Africa/Abidjan|Côte d'Ivoire;Cote d'Ivoire
Jamaica|America/Jamaica|Kingston
Japan|Asia/Tokyo|
Jordan|Asia/Amman|
Kazakhstan|Asia/Almaty|Astana
Kenya|Africa/Nairobi|
Kuwait|Asia/Kuwait|
Laos|Asia/Vientiane|Vientiane
Latvia|Europe/Riga|
Lebanon|Asia/Beirut|
Libya|Africa/Tripoli|
Lithuania|Europe/Vilnius|
Madagascar|Indian/Antananarivo|
Malaysia|Asia/Kuala_Lumpur|
the Maldives|Indian/Maldives|Male
Malta|Europe/Malta|Valletta
Mauritius|Indian/Mauritius|Port Louis
Mexico|America/Mexico_City|
Moldova|Europe/Chisinau|
Mongolia|Asia/Ulaanbaatar|
Montenegro|Europe/Podgorica|Podgorica
Morocco|Africa/Casablanca|
Mozambique|Africa/Maputo|
Myanmar|Asia/Yangon|Burma
Nepal|Asia/Kathmandu|
the Netherlands|Europe/Amsterdam|Holland
New Zealand|Pacific/Auckland|
Nicaragua|America/Managua|Managua
Nigeria|Africa/Lagos|
North Korea|Asia/Pyongyang|
North Macedonia|Europe/Skopje|Macedonia
Northern Ireland|Europe/London|
Norway|Europe/Oslo|
Oman|Asia/Muscat|
Pakistan|Asia/Karachi|
Panama|America/Panama|
Paraguay|America/Asuncion|Asunción;Asuncion
Peru|America/Lima|
the Philippines|Asia/Manila|
Poland|Europe/Warsaw|
Portugal|Europe/Lisbon|
Puerto Rico|America/Puerto_Rico|
Qatar|Asia/Qatar|
Romania|Europe/Bucharest|
Russia|Europe/Moscow|
Rwanda|Africa/Kigali|Kigali
Saudi Arabia|Asia/Riyadh|
Scotland|Europe/London|
Senegal|Africa/Dakar|
Serbia|Europe/Belgrade|
Slovakia|Europe/Bratislava|
Slovenia|Europe/Ljubljana|
South Africa|Africa/Johannesburg|Pretoria
South Korea|Asia/Seoul|Korea
Spain|Europe/Madrid|
Sri Lanka|Asia/Colombo|
Sudan|Africa/Khartoum|
Sweden|Europe/Stockholm|
Switzerland|Europe/Zurich|
Syria|Asia/Damascus|
Taiwan|Asia/Taipei|
Tanzania|Africa/Dar_es_Salaam|Dodoma
Thailand|Asia/Bangkok|
Tunisia|Africa/Tunis|
Turkey|Europe/Istanbul|Türkiye;Turkiye
Uganda|Africa/Kampala|
Ukraine|Europe/Kyiv|
the United Arab Emirates|Asia/Dubai|UAE;Emirates
the United Kingdom|Europe/London|UK;U.K.;Britain;Great Britain
the United States|America/New_York|USA;U.S.A.;US;U.S.;America
Uruguay|America/Montevideo|
Uzbekistan|Asia/Tashkent|
Venezuela|America/Caracas|
Vietnam|Asia/Ho_Chi_Minh|Viet Nam
Wales|Europe/London|Cardiff
Yemen|Asia/Aden|Sanaa
Zambia|Africa/Lusaka|
Zimbabwe|Africa/Harare|
Alaska|America/Anchorage|
Arizona|America/Phoenix|
California|America/Los_Angeles|
Colorado|America/Denver|
Florida|America/New_York|
Hawaii|Pacific/Honolulu|
Illinois|America/Chicago|
Massachusetts|America/New_York|
Michigan|America/Detroit|
Nevada|America/Los_Angeles|
Oregon|America/Los_Angeles|
Texas|America/Chicago|
Utah|America/Denver|
Washington State|America/Los_Angeles|
British Columbia|America/Vancouver|
Newfoundland|America/St_Johns|
Ontario|America/Toronto|
Quebec|America/Toronto|Québec
Alberta|America/Edmonton|
Bali|Asia/Makassar|
Tasmania|Australia/Hobart|
Queensland|Australia/Brisbane|
Western Australia|Australia/Perth|
Siberia|Asia/Novosibirsk|
UTC|UTC|GMT;Coordinated Universal Time;Greenwich Mean Time;Zulu
"""


@dataclasses.dataclass(frozen=True, slots=True)
class Place:
    name: str
    """How to say it: "Tokyo", "New York"."""
    zone: str
    """IANA time zone: ``Asia/Tokyo``."""


def normalise_place(text: str) -> str:
    """Lower case, no accents, dots or punctuation, one space between words, no leading "the"."""
    text = unicodedata.normalize("NFKD", text.replace("’", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower().replace(".", "")
    text = re.sub(r"[^a-z0-9' ]+", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text.removeprefix("the ")


@functools.cache
def _places() -> dict[str, Place]:
    places: dict[str, Place] = {}
    for line in _TABLE.strip().splitlines():
        name, zone, aliases = line.split("|")
        place = Place(name, zone)
        for key in (name, *(a for a in aliases.split(";") if a)):
            places.setdefault(normalise_place(key), place)
    return places


@functools.cache
def _zone_cities() -> dict[str, Place]:
    """Last component of every IANA zone ("kolkata", "ho chi minh"), as a fallback."""
    found: dict[str, Place] = {}
    for zone in sorted(zoneinfo.available_timezones()):
        if "/" not in zone or zone.startswith(("Etc/", "SystemV/", "US/")):
            continue
        city = zone.rsplit("/", 1)[1].replace("_", " ")
        found.setdefault(normalise_place(city), Place(city, zone))
    return found


def all_places() -> dict[str, Place]:
    """The built-in table by normalised name (aliases included)."""
    return dict(_places())


def find_place(name: str) -> Place | None:
    """The place called ``name`` ("NYC", "Tokyo", "Paris, France", "Asia/Kolkata"), or None."""
    candidates = [name]
    if "," in name:
        candidates.append(name.split(",", 1)[0])
    for candidate in candidates:
        if "/" in candidate.strip():
            zone = candidate.strip().replace(" ", "_")
            if zone in zoneinfo.available_timezones():
                return Place(zone.rsplit("/", 1)[1].replace("_", " "), zone)
        key = normalise_place(candidate)
        if not key:
            continue
        for table in (_places(), _zone_cities()):
            for k in (key, key.removesuffix(" city")):
                if k in table:
                    return table[k]
    return None
