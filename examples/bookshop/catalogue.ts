/** The bookshop's catalogue, in memory until the data layer gives it models. */
export interface CatalogueBook {
  id: number;
  title: string;
  isbn: string;
  price: string;
  author: { id: number; name: string };
}

const leGuin = { id: 1, name: 'Ursula K. Le Guin' };
const herbert = { id: 2, name: 'Frank Herbert' };
const jemisin = { id: 3, name: 'N. K. Jemisin' };

export const catalogue: CatalogueBook[] = [
  { id: 1, title: 'A Wizard of Earthsea', isbn: '9780547773742', price: '9.99', author: leGuin },
  { id: 2, title: 'The Left Hand of Darkness', isbn: '9780441478125', price: '12.50', author: leGuin },
  { id: 3, title: 'The Dispossessed', isbn: '9780061054884', price: '11.00', author: leGuin },
  { id: 4, title: 'Dune', isbn: '9780441172719', price: '14.99', author: herbert },
  { id: 5, title: 'The Fifth Season', isbn: '9780316229296', price: '13.49', author: jemisin },
];
